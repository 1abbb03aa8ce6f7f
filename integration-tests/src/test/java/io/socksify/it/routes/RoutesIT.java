package io.socksify.it.routes;

import io.socksify.it.apps.RoutesApp;
import io.socksify.it.support.BrokenProxy;
import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Routes, chains and failover under the real agent, on JDK 17 and 25. Two proxies with different outgoing addresses
 * prove which one carried a connection: Dante leaves from 127.0.0.2, the embedded server (a {@link SocksServer} in
 * this JVM) from 127.0.0.3; each target accepts only one of them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutesIT {
    static final InetAddress EMBEDDED_OUTGOING = Loopback.address("127.0.0.3");
    private Dante dante;
    private String danteUrl;

    @BeforeAll
    void startDante() {
        dante = Dante.builder().start();
        danteUrl = "socks5://" + dante.host() + ":" + dante.port();
    }

    @AfterAll
    void stopDante() {
        dante.close();
    }

    static SocksServer embedded() throws IOException {
        return SocksServer.builder().port(0).outgoingBindAddress(EMBEDDED_OUTGOING).start();
    }

    static String url(SocksServer server) {
        return "socks5://127.0.0.1:" + server.address().getPort();
    }

    static ChildJvm run(Path jdk, String options, List<String> jvmArgs, String... steps) {
        return ChildApps.run(RoutesApp.class, jdk, options, Duration.ofSeconds(90), jvmArgs, steps);
    }

    static void assertAllOk(ChildJvm child) {
        assertEquals(0, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("ALL OK"), child.describe());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void perDestinationRulesTakeEachTargetThroughItsProxy(Path jdk) throws Exception {
        try (SocksServer embedded = embedded();
                TcpEchoTarget viaDante = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TcpEchoTarget viaEmbedded = TcpEchoTarget.acceptingOnly(EMBEDDED_OUTGOING);
                HttpTarget httpDante = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                HttpTarget httpEmbedded = HttpTarget.acceptingOnly(EMBEDDED_OUTGOING);
                UdpEchoTarget udpDante = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                UdpEchoTarget udpEmbedded = UdpEchoTarget.acceptingOnly(EMBEDDED_OUTGOING)) {
            String options = "proxy=" + url(embedded) + ",bypass=none,routes=127.0.0.1:" + viaDante.port()
                    + "|127.0.0.1:" + httpDante.port() + "|127.0.0.1:" + udpDante.port() + "->" + danteUrl;
            ChildJvm child = run(jdk, options, List.of(),
                    "connect", "ip", "127.0.0.1", "" + viaDante.port(), "--",
                    "connect", "ip", "127.0.0.1", "" + viaEmbedded.port(), "--",
                    "nio", "http", "127.0.0.1", "" + httpDante.port(), "--",
                    "nio", "http", "127.0.0.1", "" + httpEmbedded.port(), "--",
                    "nio", "selector", "127.0.0.1", "" + viaDante.port(), "3", "--",
                    "nio", "selector", "127.0.0.1", "" + viaEmbedded.port(), "3", "--",
                    "udp", "socket", "127.0.0.1", "" + udpDante.port(), "3", "--",
                    "udp", "socket", "127.0.0.1", "" + udpEmbedded.port(), "3");
            assertAllOk(child);
            assertEquals(4, viaDante.acceptedSources().size(), child.describe());
            assertEquals(4, viaEmbedded.acceptedSources().size(), child.describe());
            viaDante.assertNoRejected();
            viaEmbedded.assertNoRejected();
            assertEquals(1, httpDante.requests().size());
            assertEquals(1, httpEmbedded.requests().size());
            udpDante.assertNoRejected();
            udpEmbedded.assertNoRejected();
            assertTrue(udpDante.acceptedSource().isPresent() && udpEmbedded.acceptedSource().isPresent());

            // Negative control: without the rule, the embedded server carries it, and Dante's target turns it away.
            ChildJvm control = run(jdk, "proxy=" + url(embedded) + ",bypass=none", List.of(),
                    "connect", "ip", "127.0.0.1", "" + viaDante.port());
            assertEquals(3, control.exitCode(), control.describe());
            viaDante.awaitRejected(1, Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void blockRuleRefusesAndSendsNothing(Path jdk) throws Exception {
        try (SocksServer embedded = embedded();
                TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = run(jdk, "proxy=" + url(embedded) + ",bypass=none,routes=127.0.0.1:" + target.port()
                    + "->block", List.of(), "connect", "ip", "127.0.0.1", "" + target.port());
            ChildApps.assertFailed(child, java.net.ConnectException.class, "is blocked by routes rule 1 127.0.0.1:"
                    + target.port() + "->block; nothing was sent");
            assertEquals(0, target.acceptedSources().size());
            target.assertNoRejected();
            assertEquals(0, embedded.records().size());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void chainEmbeddedThenDanteOnEveryTcpPath(Path jdk) throws Exception {
        try (SocksServer embedded = embedded();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TlsEchoTarget tls = TlsEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            String port = "" + target.port();
            ChildJvm child = run(jdk, "proxy=" + url(embedded) + ">" + danteUrl + ",bypass=none",
                    List.of(TlsEchoTarget.trustStoreJvmArgs()),
                    "connect", "ip", "127.0.0.1", port, "--",
                    "connect", "ssl", "127.0.0.1", "" + tls.port(), "--",
                    "nio", "blocking", "127.0.0.1", port, "--",
                    "nio", "selector", "127.0.0.1", port, "5", "--",
                    "nio", "future", "127.0.0.1", port, "--",
                    "nio", "handler", "127.0.0.1", port);
            assertAllOk(child);
            assertTrue(child.stdout().contains("REMOTE /127.0.0.1:" + port), child.describe());
            assertEquals(9, target.acceptedSources().size(), child.describe());
            target.assertNoRejected();
            assertEquals(1, tls.acceptedSources().size());
            // The first hop was asked for the second: every record of the embedded server is a CONNECT to Dante.
            List<SessionRecord> records = embedded.awaitRecords(10, Duration.ofSeconds(10));
            for (SessionRecord r : records) {
                assertEquals(dante.port(), r.destination().port(), r.toString());
            }

            // Negative control: the first hop alone reaches the target from 127.0.0.3, which it refuses.
            ChildJvm control = run(jdk, "proxy=" + url(embedded) + ",bypass=none", List.of(),
                    "connect", "ip", "127.0.0.1", port);
            assertEquals(3, control.exitCode(), control.describe());
        }
    }

    /**
     * As {@code EventLoopNotStalledIT}, through a chain whose second hop holds each reply back 200 ms: the driver
     * thread runs both handshakes, the application's selector neither blocks nor spins.
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void fiftySelectorChannelsThroughAChainWithASlowSecondHop(Path jdk) throws Exception {
        int connections = 50;
        try (SocksServer slow = SocksServer.builder().port(0).outgoingBindAddress(EMBEDDED_OUTGOING)
                .replyDelay(Duration.ofMillis(200)).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(EMBEDDED_OUTGOING)) {
            ChildJvm child = run(jdk, "proxy=" + danteUrl + ">" + url(slow) + ",bypass=none", List.of(),
                    "nio", "stall", "127.0.0.1", "" + target.port(), "" + connections);
            assertAllOk(child);
            long insideConnectMicros = ChildApps.number(child, "CONNECT_CALLS_MICROS");
            long first = ChildApps.number(child, "FIRST");
            long spread = ChildApps.number(child, "SPREAD");
            long cpuMicros = ChildApps.number(child, "CPU_MICROS");
            long selects = ChildApps.number(child, "SELECTS");
            String measured = connections + " connect() calls took " + insideConnectMicros + " us, first connected"
                    + " after " + first + " ms, spread " + spread + " ms, selector thread CPU " + cpuMicros + " us in "
                    + selects + " selects\n" + child.describe();
            assertTrue(insideConnectMicros < 100_000, "connect() must not wait for the proxies: " + measured);
            assertTrue(first >= 190, "the second hop holds each reply 200 ms: " + measured);
            assertTrue(first < 200 + 100 + 300, "the first must connect soon after its reply: " + measured);
            assertTrue(spread <= 300, "all must connect within 300 ms of the first: " + measured);
            assertTrue(cpuMicros < 50_000, "the selector thread must stay idle while the proxies work: " + measured);
            assertTrue(selects < 10 * connections, "the selector must not spin: " + measured);
            assertEquals(connections + 1, target.acceptedSources().size(), measured);
            target.assertNoRejected();
            // The second hop's clients are Dante's outgoing address: the chain, not a direct connect to it.
            for (SessionRecord r : slow.awaitRecords(connections + 1, Duration.ofSeconds(10))) {
                assertEquals(Loopback.PROXY_EXTERNAL, r.client().getAddress(), r.toString());
            }
            System.out.println(jdk + ": " + measured.lines().findFirst().orElse(""));
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void threeHopChain(Path jdk) throws Exception {
        try (SocksServer first = SocksServer.builder().port(0).start();
                SocksServer second = SocksServer.builder().port(0).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, "proxy=" + url(first) + ">" + url(second) + ">" + danteUrl + ",bypass=none",
                    List.of(), "connect", "ip", "127.0.0.1", "" + target.port(), "--",
                    "nio", "selector", "127.0.0.1", "" + target.port(), "2");
            assertAllOk(child);
            assertEquals(3, target.acceptedSources().size());
            for (SessionRecord r : first.awaitRecords(3, Duration.ofSeconds(10))) {
                assertEquals(second.address().getPort(), r.destination().port(), r.toString());
            }
            for (SessionRecord r : second.awaitRecords(3, Duration.ofSeconds(10))) {
                assertEquals(dante.port(), r.destination().port(), r.toString());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aRefusingHopIsNamed(Path jdk) throws Exception {
        int dead = FreePort.find();
        String deadUrl = "socks5://127.0.0.1:" + dead;
        try (SocksServer embedded = embedded();
                TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm firstRefuses = run(jdk, "proxy=" + deadUrl + ">" + danteUrl + ",bypass=none", List.of(),
                    "connect", "ip", "127.0.0.1", "" + target.port());
            ChildApps.assertFailed(firstRefuses, java.net.ConnectException.class,
                    "via " + deadUrl + " > " + danteUrl + ": " + deadUrl + " refused the connection");
            ChildJvm secondRefuses = run(jdk, "proxy=" + url(embedded) + ">" + deadUrl + ",bypass=none", List.of(),
                    "nio", "selector", "127.0.0.1", "" + target.port(), "1");
            ChildApps.assertFailed(secondRefuses, java.net.ConnectException.class,
                    "via " + url(embedded) + " > " + deadUrl + ": " + deadUrl + " refused the connection");
            ChildJvm blocking = run(jdk, "proxy=" + url(embedded) + ">" + deadUrl + ",bypass=none", List.of(),
                    "connect", "ip", "127.0.0.1", "" + target.port());
            ChildApps.assertFailed(blocking, java.net.ConnectException.class,
                    "via " + url(embedded) + " > " + deadUrl + ": " + deadUrl + " refused the connection");
            assertEquals(0, target.acceptedSources().size());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void failoverSkipsADownProxyUntilItsTimeHasPassed(Path jdk) throws Exception {
        try (BrokenProxy silent = BrokenProxy.silent();
                SocksServer embedded = embedded();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(EMBEDDED_OUTGOING)) {
            String port = "" + target.port();
            ChildJvm child = run(jdk, "proxy=socks5://127.0.0.1:" + silent.port() + "|" + url(embedded)
                    + ",bypass=none,proxyDownSeconds=3", List.of(),
                    "try", "127.0.0.1", port, "1000", "--",
                    "try", "127.0.0.1", port, "1000", "--",
                    "try", "127.0.0.1", port, "1000", "--",
                    "sleep", "3500", "--",
                    "try", "127.0.0.1", port, "1000", "--",
                    "try", "127.0.0.1", port, "1000");
            assertAllOk(child);
            String out = child.stdout();
            assertTrue(out.contains("TRY 1 FAILED java.net.SocketTimeoutException"), child.describe());
            assertTrue(out.contains("TRY 2 OK") && out.contains("TRY 3 OK"), child.describe());
            // After proxyDownSeconds the first alternative is tried again (and fails again); then down again.
            assertTrue(out.contains("TRY 5 FAILED java.net.SocketTimeoutException"), child.describe());
            assertTrue(out.contains("TRY 6 OK"), child.describe());
            assertEquals(2, silent.accepted(), "while marked down, the dead proxy sees no attempt\n"
                    + child.describe());
            assertEquals(3, target.acceptedSources().size());
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void udpThroughAFailoverGroupAndNotThroughAChain(Path jdk) throws Exception {
        int dead = FreePort.find();
        try (SocksServer embedded = embedded();
                TcpEchoTarget tcp = TcpEchoTarget.acceptingOnly(EMBEDDED_OUTGOING);
                UdpEchoTarget udp = UdpEchoTarget.acceptingOnly(EMBEDDED_OUTGOING)) {
            ChildJvm group = run(jdk, "proxy=socks5://127.0.0.1:" + dead + "|" + url(embedded) + ",bypass=none",
                    List.of(), "try", "127.0.0.1", "" + tcp.port(), "1000", "--",
                    "udp", "socket", "127.0.0.1", "" + udp.port(), "3");
            assertAllOk(group);
            assertTrue(group.stdout().contains("TRY 1 FAILED java.net.ConnectException"), group.describe());
            assertTrue(udp.acceptedSource().isPresent(), group.describe());
            udp.assertNoRejected();

            ChildJvm chain = run(jdk, "proxy=" + url(embedded) + ">" + danteUrl + ",bypass=none", List.of(),
                    "udp", "socket", "127.0.0.1", "" + udp.port(), "1");
            assertEquals(3, chain.exitCode(), chain.describe());
            assertTrue(chain.stdout().contains("SocketException"), chain.describe());
            assertTrue(chain.stdout().contains("SOCKS UDP relays cannot be chained"), chain.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void remoteDnsLetsTheNameSelectTheRouteAndTheLastHopResolveIt(Path jdk) throws Exception {
        Hostnames.assertProxyOnlyNameConfigured();
        try (SocksServer embedded = embedded();
                TcpEchoTarget viaDante = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TcpEchoTarget viaEmbedded = TcpEchoTarget.acceptingOnly(EMBEDDED_OUTGOING)) {
            // This JVM resolves no name itself: reaching the targets by name proves the last hop resolved it.
            String name = Hostnames.PROXY_ONLY;
            ChildJvm child = run(jdk, "proxy=" + url(embedded).replace("socks5:", "socks5h:") + ",dns=remote,"
                    + "bypass=none,routes=" + name + ":" + viaDante.port() + "->" + url(embedded) + ">"
                    + danteUrl.replace("socks5:", "socks5h:"), List.of(Hostnames.noLookupJvmArg()),
                    "connect", "name", name, "" + viaDante.port(), "--",
                    "connect", "name", name, "" + viaEmbedded.port());
            assertAllOk(child);
            assertEquals(1, viaDante.acceptedSources().size(), child.describe());
            assertEquals(1, viaEmbedded.acceptedSources().size(), child.describe());
            // The embedded server as first hop was asked for Dante; as the only hop, for the name itself.
            List<SessionRecord> records = embedded.awaitRecords(2, Duration.ofSeconds(10));
            assertTrue(records.stream().anyMatch(r -> r.destination().port() == dante.port()), records.toString());
            assertTrue(records.stream().anyMatch(r -> r.destination().toString().contains(name)), records.toString());
        }
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
