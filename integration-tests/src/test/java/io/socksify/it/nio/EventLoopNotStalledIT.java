package io.socksify.it.nio;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.nio.NioChannels.assertOk;
import static io.socksify.it.nio.NioChannels.number;
import static io.socksify.it.nio.NioChannels.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handshake never runs on, blocks or spins the application's selector thread: 50 non-blocking connects started
 * together on one selector, through a proxy that holds each reply back 200 ms, all connect within 300 ms of the
 * first, and the selector thread's CPU time over that window (ThreadMXBean) stays near zero.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventLoopNotStalledIT {
    private static final int CONNECTIONS = 50;

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void fiftySlowHandshakesNeitherBlockNorSpinTheSelectorThread(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .replyDelay(Duration.ofMillis(200)).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    "stall", "127.0.0.1", "" + target.port(), "" + CONNECTIONS);
            assertOk(child);
            long first = number(child, "FIRST");
            long spread = number(child, "SPREAD");
            long cpuMicros = number(child, "CPU_MICROS");
            long selects = number(child, "SELECTS");
            String measured = "first connected after " + first + " ms, spread " + spread + " ms, selector thread CPU "
                    + cpuMicros + " us in " + selects + " selects\n" + child.describe();
            assertTrue(first >= 190, "the proxy holds each reply 200 ms: " + measured);
            assertTrue(spread <= 300, "all must connect within 300 ms of the first: " + measured);
            // Near zero: finishing 50 connects (finishConnect, interestOps) costs a few ms at most; a selector
            // that spun on level-triggered readiness, or did the handshakes, would burn the whole 200+ ms window.
            assertTrue(cpuMicros < 40_000, "the selector thread must stay idle while the proxy delays: " + measured);
            assertTrue(selects < 10 * CONNECTIONS, "the selector must not spin: " + measured);
            assertEquals("/127.0.0.1:" + target.port(), NioChannels.value(child, "REMOTE"), child.describe());
            assertEquals(CONNECTIONS, server.awaitRecords(CONNECTIONS, Duration.ofSeconds(10)).size());
            System.out.println(jdk + ": " + measured.lines().findFirst().orElse(""));
        }
    }
}
