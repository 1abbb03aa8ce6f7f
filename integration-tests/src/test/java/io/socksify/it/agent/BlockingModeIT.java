package io.socksify.it.agent;

import io.socksify.it.apps.BlockingModeApp;
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

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * After socksify's handshake (reads bounded by SO_TIMEOUT) a {@code new Socket(host, port)} is left in blocking mode,
 * as a direct one is: {@code NioSocketImpl} would otherwise serve every later wait with a failed call and a poll.
 * Found by AgentTcpBenchmark; the target accepts only the proxy's address, so the connection was relayed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlockingModeIT {
    private static final String[] OPENS = {"--add-opens", "java.base/java.net=ALL-UNNAMED", "--add-opens",
        "java.base/sun.nio.ch=ALL-UNNAMED"};

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routedSocketIsLeftInBlockingModeLikeADirectOne(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget routed = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TcpEchoTarget direct = TcpEchoTarget.acceptingAny()) {
            ChildJvm control = ChildJvm.builder(BlockingModeApp.class).javaHome(jdk).jvmArgs(OPENS)
                    .args("127.0.0.1", "" + direct.port()).run(Apps.CHILD_TIMEOUT);
            assertOk(control);
            assertEquals("false", value(control, "NON_BLOCKING"), control.describe());

            ChildJvm child = ChildJvm.builder(BlockingModeApp.class).javaHome(jdk).jvmArgs(OPENS)
                    .agent("proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none")
                    .args("127.0.0.1", "" + routed.port()).run(Apps.CHILD_TIMEOUT);
            assertOk(child);
            assertEquals("false", value(child, "NON_BLOCKING"), child.describe());
            routed.assertNoRejected();
            assertEquals(1, server.awaitRecords(1, Duration.ofSeconds(10)).size());
        }
    }
}
