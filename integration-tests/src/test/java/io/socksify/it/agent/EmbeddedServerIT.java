package io.socksify.it.agent;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.SocksVersion;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.agent.Apps.connect;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * socksify's own server as the proxy: in the test JVM (sending from 127.0.0.2, its records showing what reached it:
 * SOCKS5 with a host name, SOCKS4a with a host name, SOCKS4 with an IP) and in the application's JVM itself
 * ({@code proxy=embedded}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedServerIT {

    private static SessionRecord routeOnce(Path jdk, String scheme, String kind, String host) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=" + scheme + "://127.0.0.1:" + server.address().getPort()
                    + ",bypass=none", kind, host, "" + target.port());
            assertOk(child);
            target.assertNoRejected();
            assertEquals(1, target.acceptedSources().size());
            SessionRecord record = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertTrue(record.succeeded(), record.toString());
            return record;
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socks5hSendsTheHostName(Path jdk) throws Exception {
        SessionRecord r = routeOnce(jdk, "socks5h", "name", "localhost");
        assertEquals(SocksVersion.SOCKS5, r.version());
        assertTrue(r.destination().isDomain(), r.toString());
        assertEquals("localhost", r.destination().host());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socks5SendsTheIp(Path jdk) throws Exception {
        SessionRecord r = routeOnce(jdk, "socks5", "name", "localhost");
        assertTrue(!r.destination().isDomain(), r.toString());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socks4aSendsTheHostName(Path jdk) throws Exception {
        SessionRecord r = routeOnce(jdk, "socks4a", "unresolved", "localhost");
        assertTrue(r.destination().isDomain(), r.toString());
        assertEquals("localhost", r.destination().host());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socks4SendsTheIp(Path jdk) throws Exception {
        SessionRecord r = routeOnce(jdk, "socks4", "ip", "127.0.0.1");
        assertEquals(SocksVersion.SOCKS4, r.version());
        assertTrue(!r.destination().isDomain(), r.toString());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyEmbeddedRunsTheServerInTheApplicationsJvm(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = connect(jdk, "proxy=embedded,bypass=none,log.level=debug", "name", "localhost",
                    "" + target.port());
            assertOk(child);
            assertTrue(child.stderr().contains("routing through the embedded server socks5://127.0.0.1:"),
                    child.describe());
            assertTrue(child.stderr().contains("-> via socks5://127.0.0.1:"), child.describe());
        }
    }
}
