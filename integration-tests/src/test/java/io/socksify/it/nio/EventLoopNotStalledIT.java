package io.socksify.it.nio;

import io.socksify.it.support.ChildApps;
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

import static io.socksify.it.nio.NioChannels.run;
import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handshake never runs on, blocks or spins the application's selector thread: 50 non-blocking connects started
 * together on one selector, through a proxy that holds each reply back 200 ms: the 50 {@code connect()} calls
 * together take under 100 ms, the first connects soon after its reply and all within 300 ms of it, and the selector
 * thread's CPU time (ThreadMXBean) from before the first connect stays small. The application makes one connection
 * before, so that loading classes is not measured.
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
            long insideConnectMicros = number(child, "CONNECT_CALLS_MICROS");
            long first = number(child, "FIRST");
            long spread = number(child, "SPREAD");
            long cpuMicros = number(child, "CPU_MICROS");
            long selects = number(child, "SELECTS");
            String measured = CONNECTIONS + " connect() calls took " + insideConnectMicros + " us, first connected"
                    + " after " + first + " ms, spread " + spread + " ms, selector thread CPU " + cpuMicros + " us in "
                    + selects + " selects\n" + child.describe();
            // A connect() that waited for the proxy (TCP or the 200 ms reply) would take seconds for 50 channels.
            assertTrue(insideConnectMicros < 100_000, "connect() must not wait for the proxy: " + measured);
            assertTrue(first >= 190, "the proxy holds each reply 200 ms: " + measured);
            assertTrue(first < 200 + 100 + 300, "the first must connect soon after its reply: " + measured);
            assertTrue(spread <= 300, "all must connect within 300 ms of the first: " + measured);
            // From before the first connect to the last connected: starting 50 routed connects and finishing them
            // (finishConnect, interestOps) costs some ms; a selector that spun on level-triggered readiness, or did
            // the handshakes, would burn the whole 200+ ms window.
            assertTrue(cpuMicros < 50_000, "the selector thread must stay idle while the proxy delays: " + measured);
            assertTrue(selects < 10 * CONNECTIONS, "the selector must not spin: " + measured);
            assertEquals("/127.0.0.1:" + target.port(), ChildApps.value(child, "REMOTE"), child.describe());
            // The 50, and the one the application makes first (to load classes before measuring).
            assertEquals(CONNECTIONS + 1, server.awaitRecords(CONNECTIONS + 1, Duration.ofSeconds(10)).size());
            System.out.println(jdk + ": " + measured.lines().findFirst().orElse(""));
        }
    }
}
