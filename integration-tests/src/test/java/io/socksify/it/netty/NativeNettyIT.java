package io.socksify.it.netty;

import io.socksify.it.apps.netty.NativeNettyApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty 4.1 and 4.2 clients with native epoll and io_uring on the class path, under the agent. socksify switches
 * the native transports off (a cause naming socksify), so the usual {@code Epoll.isAvailable() ? epoll : NIO} idiom
 * takes NIO and goes through the proxy; a forced epoll transport fails naming socksify; a user who switches the
 * native transports back on ({@code -Dio.netty.transport.noNative=false}) keeps them, and then the guard on the
 * native connect refuses every destination that no bypass rule sends direct, before anything is sent. The negative
 * control: without the agent epoll (and io_uring, on this kernel) is available and the connection goes direct.
 * The same for datagrams: the idiom's NIO datagram channel goes through the proxy's UDP relay; native datagram
 * sends kept on by the user are refused.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NativeNettyIT {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    private static ChildJvm run(Path jdk, NettyVersions netty, String agentOptions, List<String> jvmArgs,
            String mode, int port) {
        ChildJvm.Builder b = ChildJvm.builder(NativeNettyApp.class).javaHome(jdk)
                .jvmArgs(jvmArgs.toArray(String[]::new)).args(mode, "127.0.0.1", "" + port);
        List<Path> classpath = netty.classpath();
        if (classpath != null) {
            b.classpath(classpath);
        }
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b.run(CHILD_TIMEOUT);
    }

    private static SocksServer embedded() throws Exception {
        return SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
    }

    private static String proxy(SocksServer server) {
        return "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none";
    }

    private static void assertNoConnection(TcpEchoTarget target, SocksServer server, ChildJvm child) {
        assertEquals(List.of(), target.acceptedSources(), child.describe());
        assertEquals(List.of(), target.rejectedSources(), child.describe());
        assertEquals(0, server.records().size(), child.describe());
    }

    private static void assertFailedNaming(ChildJvm child, String text) {
        assertEquals(3, child.exitCode(), child.describe());
        assertTrue(value(child, "FAILED").contains(text), "expected '" + text + "'\n" + child.describe());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.netty.NettyVersions#withJdks")
    void theAvailabilityIdiomTakesNioThroughTheProxy(Path jdk, NettyVersions netty) throws Exception {
        try (SocksServer server = embedded();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, netty, proxy(server), List.of(), "idiom", target.port());
            assertOk(child);
            assertEquals("false", value(child, "EPOLL_AVAILABLE"), child.describe());
            assertTrue(value(child, "EPOLL_CAUSE").contains("socksify: Netty's native Epoll transport"),
                    child.describe());
            assertEquals("false", value(child, "URING_AVAILABLE"), child.describe());
            assertTrue(value(child, "URING_CAUSE").contains("socksify"), child.describe());
            assertEquals("nio", value(child, "TRANSPORT"), child.describe());
            assertEquals("/127.0.0.1:" + target.port(), value(child, "REMOTE"), child.describe());
            assertEquals(1, server.awaitRecords(1, Duration.ofSeconds(10)).size());
            target.assertNoRejected();

            // Negative control: without socksify the idiom takes epoll, which connects directly (and is refused).
            ChildJvm direct = run(jdk, netty, null, List.of(), "idiom", target.port());
            assertEquals("true", value(direct, "EPOLL_AVAILABLE"), direct.describe());
            assertEquals("epoll", value(direct, "TRANSPORT"), direct.describe());
            assertEquals(3, direct.exitCode(), direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.netty.NettyVersions#withJdks")
    void aForcedEpollTransportFailsNamingSocksify(Path jdk, NettyVersions netty) throws Exception {
        try (SocksServer server = embedded();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, netty, proxy(server), List.of(), "epoll", target.port());
            assertFailedNaming(child, "socksify: Netty's native Epoll transport");
            assertNoConnection(target, server, child);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.netty.NettyVersions#withJdks")
    void nativeTransportsKeptOnByTheUserCannotConnectDirectly(Path jdk, NettyVersions netty) throws Exception {
        try (SocksServer server = embedded();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String mode : List.of("epoll", "uring")) {
                ChildJvm child = run(jdk, netty, proxy(server), List.of("-Dio.netty.transport.noNative=false"), mode,
                        target.port());
                assertEquals("true", value(child, mode.equals("epoll") ? "EPOLL_AVAILABLE" : "URING_AVAILABLE"),
                        "the user's noNative=false keeps the native transport\n" + child.describe());
                assertFailedNaming(child, "java.net.ConnectException: socksify: a direct connection to 127.0.0.1:"
                        + target.port() + " by Netty's native transport");
                assertTrue(value(child, "FAILED").contains("was refused; nothing was sent"), child.describe());
                assertNoConnection(target, server, child);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.netty.NettyVersions#withJdks")
    void aBypassedDestinationMayUseTheNativeTransport(Path jdk, NettyVersions netty) throws Exception {
        try (SocksServer server = embedded(); TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = run(jdk, netty, "proxy=socks5://127.0.0.1:" + server.address().getPort()
                    + ",bypass=127.0.0.1:" + target.port(), List.of("-Dio.netty.transport.noNative=false"),
                    "epoll", target.port());
            assertOk(child);
            assertEquals(List.of(Loopback.LOCALHOST), target.acceptedSources().stream()
                    .map(a -> a.getAddress()).toList(), child.describe());
            assertEquals(0, server.records().size(), child.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.netty.NettyVersions#withJdks")
    void datagramsTakeNioThroughTheRelayAndNativeSendsAreRefused(Path jdk, NettyVersions netty) throws Exception {
        try (SocksServer server = embedded();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, netty, proxy(server), List.of(), "udp-idiom", target.port());
            assertOk(child);
            assertEquals("nio", value(child, "UDP_TRANSPORT"), child.describe());
            target.awaitAccepted(1, Duration.ofSeconds(10));
            target.assertNoRejected();

            for (String mode : List.of("udp-epoll", "udp-uring")) {
                ChildJvm refused = run(jdk, netty, proxy(server), List.of("-Dio.netty.transport.noNative=false"),
                        mode, target.port());
                assertFailedNaming(refused, "java.net.ConnectException: socksify: a direct connection to 127.0.0.1:"
                        + target.port() + " by Netty's native transport");
            }
            assertEquals(1, target.acceptedSources().size(), "only the relayed datagram arrived");
            assertEquals(List.of(), target.rejectedSources(), "no datagram arrived directly");
            // Negative control: without the agent the idiom takes epoll and the datagram arrives directly.
            ChildJvm direct = run(jdk, netty, null, List.of(), "udp-idiom", target.port());
            assertEquals("epoll", value(direct, "UDP_TRANSPORT"), direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }
}
