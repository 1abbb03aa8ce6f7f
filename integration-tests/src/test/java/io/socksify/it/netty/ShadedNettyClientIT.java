package io.socksify.it.netty;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client library that ships its own relocated copy of Netty with its natives: under the agent its relocated epoll
 * reports unavailable (naming socksify) and its connection attempts arrive through the proxy, or fail when the proxy is
 * dead, never directly. No server of the library is needed: the target records where connections come from (and
 * echoes, which the client rejects, so it fails in the end either way). Negative control: without the agent epoll is
 * available and the attempts arrive directly. One subclass per library names its connecting app and its copy's
 * {@code Epoll} class.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class ShadedNettyClientIT {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private final Class<?> app;
    private final String epollClass;

    /**
     * @param app        a main that connects with the library to {@code host port} and prints EPOLL_AVAILABLE and
     *                   EPOLL_CAUSE, exiting 3 when it could not connect
     * @param epollClass the binary name of the library's relocated {@code Epoll}
     */
    ShadedNettyClientIT(Class<?> app, String epollClass) {
        this.app = app;
        this.epollClass = epollClass;
    }

    private ChildJvm connect(Path jdk, String agentOptions, TcpEchoTarget target) {
        ChildJvm.Builder b = ChildJvm.builder(app).javaHome(jdk)
                .args("127.0.0.1", "" + target.port());
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b.run(CHILD_TIMEOUT);
    }

    private void assertSwitchedOff(ChildJvm child) {
        assertEquals("false", value(child, "EPOLL_AVAILABLE"), child.describe());
        assertTrue(value(child, "EPOLL_CAUSE").contains("socksify: Netty's native Epoll transport"
                + " (" + epollClass + ")"), child.describe());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void connectionsArriveThroughTheEmbeddedServer(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    target);
            assertSwitchedOff(child);
            target.awaitAccepted(1, Duration.ofSeconds(10));
            target.assertNoRejected();
            assertTrue(server.records().size() >= 1, child.describe());

            // Negative control: without the agent epoll is available and the attempt arrives directly. The child is
            // stopped once the target has turned it away (the library would retry until its own timeout).
            try (ChildJvm direct = ChildJvm.builder(app).javaHome(jdk).args("127.0.0.1", "" + target.port())
                    .start()) {
                target.awaitRejected(1, CHILD_TIMEOUT);
                direct.awaitStdout("EPOLL_CAUSE ", CHILD_TIMEOUT);
                assertEquals("true", value(direct, "EPOLL_AVAILABLE"), direct.describe());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void connectionsArriveThroughDante(Path jdk) throws Exception {
        try (Dante dante = Dante.builder().start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            ChildJvm child = connect(jdk, "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    target);
            assertSwitchedOff(child);
            target.awaitAccepted(1, Duration.ofSeconds(10));
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void withTheProxyDeadNothingArrivesDirectly(Path jdk) throws Exception {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + FreePort.find() + ",bypass=none", target);
            assertSwitchedOff(child);
            assertEquals(3, child.exitCode(), child.describe());
            assertEquals(List.of(), target.acceptedSources(), child.describe());
            assertEquals(List.of(), target.rejectedSources(), child.describe());
        }
    }
}
