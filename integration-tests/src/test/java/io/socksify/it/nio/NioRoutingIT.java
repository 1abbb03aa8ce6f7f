package io.socksify.it.nio;

import io.socksify.it.apps.nio.NioClientApp;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.nio.NioChannels.run;
import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NIO channels go through the proxy: blocking {@code SocketChannel} (and its socket adaptor), many non-blocking
 * channels on one selector, {@code AsynchronousSocketChannel} with a future and with a handler, and
 * {@code java.net.http.HttpClient}. Transit is proven by the target, which serves only the proxy's outgoing address
 * 127.0.0.2, and by the server's records; each has a negative control without the agent, which the target refuses.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NioRoutingIT {

    private static SocksServer server() throws Exception {
        return SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
    }

    private static String agent(SocksServer server) {
        return "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none";
    }

    /** Runs one kind through the proxy, and once without the agent (refused by the target). */
    private static void routes(Path jdk, String kind, int connections, String... extra) throws Exception {
        try (SocksServer server = server();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            String[] args = args(kind, target.port(), extra);
            ChildJvm child = run(jdk, agent(server), args);
            assertOk(child);
            assertEquals("/127.0.0.1:" + target.port(), value(child, "REMOTE"), "getRemoteAddress() must report the "
                    + "destination, not the proxy\n" + child.describe());
            target.awaitAccepted(connections, Duration.ofSeconds(10));
            target.assertNoRejected();
            List<SessionRecord> records = server.awaitRecords(connections, Duration.ofSeconds(10));
            assertTrue(records.stream().allMatch(r -> r.destination().port() == target.port()), records.toString());

            ChildJvm direct = run(jdk, null, args);
            assertNotEquals(0, direct.exitCode(), "without the agent the target must refuse\n" + direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }

    private static String[] args(String kind, int port, String... extra) {
        String[] args = new String[3 + extra.length];
        args[0] = kind;
        args[1] = "127.0.0.1";
        args[2] = Integer.toString(port);
        System.arraycopy(extra, 0, args, 3, extra.length);
        return args;
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesBlockingSocketChannel(Path jdk) throws Exception {
        routes(jdk, "blocking", 1);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesTheSocketAdaptorOfAChannel(Path jdk) throws Exception {
        routes(jdk, "adaptor", 1);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesTwentyFiveNonBlockingChannelsOnOneSelector(Path jdk) throws Exception {
        routes(jdk, "selector", 25, "25");
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesAsynchronousSocketChannelWithAFuture(Path jdk) throws Exception {
        routes(jdk, "future", 1);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesAsynchronousSocketChannelWithAHandlerCalledOnce(Path jdk) throws Exception {
        try (SocksServer server = server();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, agent(server), "handler", "127.0.0.1", "" + target.port());
            assertOk(child);
            assertEquals("1", value(child, "HANDLER CALLS"), child.describe());
            assertEquals("/127.0.0.1:" + target.port(), value(child, "REMOTE"), child.describe());
            target.assertNoRejected();
        }
        routes(jdk, "handler", 1);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesHttpClientGet(Path jdk) throws Exception {
        try (SocksServer server = server(); HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, agent(server), "http", "127.0.0.1", "" + target.port());
            assertOk(child);
            assertEquals("200", value(child, "STATUS"), child.describe());
            assertTrue(child.stdout().contains("BODY " + HttpTarget.BODY), child.describe());
            target.assertNoRejected();
            assertEquals(1, server.awaitRecords(1, Duration.ofSeconds(10)).size());

            ChildJvm direct = run(jdk, null, "http", "127.0.0.1", "" + target.port());
            assertEquals("403", value(direct, "STATUS"), "without the agent the target must refuse\n"
                    + direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesHttpClientGetOverTlsEndToEnd(Path jdk) throws Exception {
        try (SocksServer server = server();
                HttpTarget target = HttpTarget.tlsAcceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = ChildJvm.builder(NioClientApp.class).javaHome(jdk)
                    .jvmArgs(TlsEchoTarget.trustStoreJvmArgs()).agent(agent(server))
                    .args("https", "127.0.0.1", "" + target.port()).run(NioChannels.CHILD_TIMEOUT);
            assertOk(child);
            assertEquals("200", value(child, "STATUS"), child.describe());
            assertTrue(child.stdout().contains("BODY " + HttpTarget.BODY), child.describe());
            target.assertNoRejected();
            assertEquals(1, server.awaitRecords(1, Duration.ofSeconds(10)).size());

            ChildJvm direct = ChildJvm.builder(NioClientApp.class).javaHome(jdk)
                    .jvmArgs(TlsEchoTarget.trustStoreJvmArgs())
                    .args("https", "127.0.0.1", "" + target.port()).run(NioChannels.CHILD_TIMEOUT);
            assertEquals("403", value(direct, "STATUS"), "without the agent the target must refuse\n"
                    + direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void carriesOneMebibyteEachWayByteExactOnEveryPath(Path jdk) throws Exception {
        for (String kind : List.of("bulk-blocking", "bulk-selector", "bulk-async")) {
            try (SocksServer server = server();
                    TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
                ChildJvm child = run(jdk, agent(server), kind, "127.0.0.1", "" + target.port(), "1048576");
                assertOk(child);
                assertTrue(value(child, "BULK").startsWith("1048576 bytes each way"), child.describe());
                assertEquals("/127.0.0.1:" + target.port(), value(child, "REMOTE"), child.describe());
                target.assertNoRejected();
            }
        }
    }
}
