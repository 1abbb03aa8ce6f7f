package io.socksify.it.nio;

import io.socksify.it.apps.nio.AsyncReconnectApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reconnect loop run from an {@code AsynchronousSocketChannel}'s failure handler, with the proxy unreachable: the JDK
 * may call that handler inline, on the thread socksify is connecting to the proxy on. Every attempt (asynchronous,
 * then blocking and {@code Future} from the same handler) must fail, and the target, serving only 127.0.0.2, must see
 * nothing: no connection from the handler may go out directly.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AsyncReconnectFailsClosedIT {
    private static final int ATTEMPTS = 4;

    private static void reconnectLoopFailsClosed(Path jdk, String proxy) throws Exception {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(InetAddress.getByName("127.0.0.2"))) {
            ChildJvm child = ChildJvm.builder(AsyncReconnectApp.class).javaHome(jdk)
                    .agent("proxy=" + proxy + ",bypass=none")
                    .args("127.0.0.1", "" + target.port(), "" + ATTEMPTS)
                    .run(NioChannels.CHILD_TIMEOUT);
            assertEquals(0, child.exitCode(), child.describe());
            String out = child.stdout();
            for (int i = 1; i <= ATTEMPTS; i++) {
                assertTrue(out.contains("ATTEMPT " + i + " FAILED"), "attempt " + i + " must fail\n"
                        + child.describe());
            }
            assertTrue(out.contains("BLOCKING FAILED") && out.contains("FUTURE FAILED"), child.describe());
            assertFalse(out.contains("CONNECTED"), child.describe());
            Thread.sleep(200);
            assertEquals(List.of(), target.acceptedSources(), "no connection may reach the target");
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void reconnectFromHandlerWithProxyNetworkUnreachable(Path jdk) throws Exception {
        // A multicast address: connect fails at once with "Network is unreachable", inline on the group's thread.
        reconnectLoopFailsClosed(jdk, "socks5://224.0.0.1:1080");
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void reconnectFromHandlerWithProxyRefusing(Path jdk) throws Exception {
        reconnectLoopFailsClosed(jdk, "socks5://127.0.0.1:" + FreePort.find());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void withoutTheAgentTheSameLoopConnects(Path jdk) {
        // The negative control: unrouted, the first attempt reaches the target.
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = ChildJvm.builder(AsyncReconnectApp.class).javaHome(jdk)
                    .args(Loopback.LOCALHOST.getHostAddress(), "" + target.port(), "" + ATTEMPTS)
                    .run(NioChannels.CHILD_TIMEOUT);
            assertTrue(child.stdout().contains("ATTEMPT 1 CONNECTED"), child.describe());
        }
    }
}
