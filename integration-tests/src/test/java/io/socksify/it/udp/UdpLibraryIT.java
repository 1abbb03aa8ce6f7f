package io.socksify.it.udp;

import io.socksify.it.apps.udp.DnsApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Loopback;
import io.socksify.protocol.server.SessionRecord;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real UDP client library works unchanged under the agent: dnsjava's resolver (a non-blocking, connected
 * {@code DatagramChannel} on its own selector) asks a DNS server that answers only the proxy's outgoing address
 * 127.0.0.2. Without the agent its queries are refused (dropped), and it times out.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpLibraryIT {
    private static final int QUERIES = 50;

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void dnsjavaResolvesThroughTheRelay(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                DnsResponder dns = new DnsResponder(Loopback.PROXY_EXTERNAL)) {
            String[] args = {"127.0.0.1", Integer.toString(dns.port()), "socksify.test.", Integer.toString(QUERIES)};
            ChildJvm child = Udp.run(DnsApp.class, jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort()
                    + ",bypass=none", args);
            assertOk(child);
            assertTrue(value(child, "ANSWER").endsWith(DnsResponder.ADDRESS), child.describe());
            assertEquals(QUERIES, dns.answered().size(), dns.answered().toString());
            assertTrue(dns.rejected().isEmpty(), dns.rejected().toString());
            List<SessionRecord> records = server.awaitRecords(QUERIES, Duration.ofSeconds(10));
            assertTrue(records.stream().allMatch(r -> r.datagramsFromClient() == 1 && r.datagramsToClient() == 1),
                    records.toString());

            ChildJvm direct = Udp.run(DnsApp.class, jdk, null, "127.0.0.1", Integer.toString(dns.port()),
                    "socksify.test.", "1");
            assertNotEquals(0, direct.exitCode(), direct.describe());
            assertEquals(1, dns.rejected().size(), dns.rejected().toString());
        }
    }
}
