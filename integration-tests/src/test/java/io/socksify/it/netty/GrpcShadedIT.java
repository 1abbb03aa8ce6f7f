package io.socksify.it.netty;

import io.socksify.it.apps.grpc.GrpcUnaryApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.GrpcEchoTarget;
import io.socksify.it.support.Loopback;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gRPC-java over {@code grpc-netty-shaded}, whose relocated Netty has its own native epoll library and reads its
 * own relocated {@code noNative} switch: under the agent its epoll reports unavailable (naming socksify), so its NIO
 * transport runs and the unary call arrives through the proxy (Dante, the embedded server); with the proxy dead the
 * call fails and nothing arrives directly. The gRPC server runs in this test JVM, without the agent, and answers
 * only the proxy's outgoing address. Negative control: without the agent epoll is available and the call arrives
 * directly (and is denied).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GrpcShadedIT {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    private static ChildJvm call(Path jdk, String agentOptions, GrpcEchoTarget target) {
        ChildJvm.Builder b = ChildJvm.builder(GrpcUnaryApp.class).javaHome(jdk).args("127.0.0.1", "" + target.port());
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b.run(CHILD_TIMEOUT);
    }

    private static void assertRouted(ChildJvm child, GrpcEchoTarget target, InetAddress proxyExternal) {
        assertOk(child);
        assertEquals("hello over grpc", value(child, "REPLY"), child.describe());
        assertEquals("false", value(child, "EPOLL_AVAILABLE"), child.describe());
        assertTrue(value(child, "EPOLL_CAUSE").contains("socksify: Netty's native Epoll transport"
                + " (io.grpc.netty.shaded.io.netty.channel.epoll.Epoll)"), child.describe());
        assertTrue(value(child, "EPOLL_CAUSE").contains("-Dio.grpc.netty.shaded.io.netty.transport.noNative=false"),
                child.describe());
        target.awaitAccepted(1, Duration.ofSeconds(10));
        target.assertNoRejected();
        assertTrue(target.acceptedSources().stream().allMatch(a -> a.getAddress().equals(proxyExternal)),
                target.acceptedSources().toString());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void unaryCallGoesThroughTheEmbeddedServer(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                GrpcEchoTarget target = GrpcEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = call(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    target);
            assertRouted(child, target, Loopback.PROXY_EXTERNAL);
            assertTrue(server.awaitRecords(1, Duration.ofSeconds(10)).size() >= 1);

            ChildJvm direct = call(jdk, null, target);
            assertEquals("true", value(direct, "EPOLL_AVAILABLE"), "without the agent the shaded epoll works\n"
                    + direct.describe());
            assertEquals(3, direct.exitCode(), direct.describe());
            assertTrue(value(direct, "FAILED").contains("PERMISSION_DENIED"), direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void unaryCallGoesThroughDante(Path jdk) throws Exception {
        try (Dante dante = Dante.builder().start();
                GrpcEchoTarget target = GrpcEchoTarget.acceptingOnly(dante.externalAddress())) {
            ChildJvm child = call(jdk, "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    target);
            assertRouted(child, target, dante.externalAddress());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void withTheProxyDeadTheCallFailsAndNothingArrivesDirectly(Path jdk) throws Exception {
        try (GrpcEchoTarget target = GrpcEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = call(jdk, "proxy=socks5://127.0.0.1:" + FreePort.find() + ",bypass=none", target);
            assertEquals(3, child.exitCode(), child.describe());
            assertTrue(value(child, "FAILED").contains("UNAVAILABLE"), child.describe());
            assertEquals(List.of(), target.acceptedSources(), child.describe());
            assertEquals(List.of(), target.rejectedSources(), child.describe());
        }
    }
}
