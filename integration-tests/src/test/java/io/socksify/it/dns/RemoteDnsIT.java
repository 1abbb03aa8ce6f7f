package io.socksify.it.dns;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.RecordingTarget;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.Socks5CommandType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.dns.Dns.PLACEHOLDER;
import static io.socksify.it.dns.Dns.assertFailed;
import static io.socksify.it.dns.Dns.assertOk;
import static io.socksify.it.dns.Dns.run;
import static io.socksify.it.dns.Dns.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dns=remote} for applications that resolve a name themselves before connecting ({@code new Socket(name,
 * port)}, {@code SocketChannel.open(new InetSocketAddress(name, port))}, {@code DatagramSocket.send},
 * {@code HttpURLConnection}, OkHttp, {@code java.net.http.HttpClient}, TLS with host name verification): the child
 * JVM resolves no name itself ({@link Hostnames#noLookupJvmArg()}), gets a placeholder address for
 * {@link Hostnames#PROXY_ONLY}, and the proxy gets the name: the embedded server's record shows it, and every target
 * accepts the proxy's outgoing address 127.0.0.2 only. On JDK 17 and 25.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RemoteDnsIT {
    private static final List<String> KINDS = List.of("socket", "direct", "ssl", "channel", "udp", "http", "okhttp",
            "httpclient", "https");

    @BeforeAll
    static void nameOnlyTheProxyResolves() {
        Hostnames.assertProxyOnlyNameConfigured();
    }

    /** Every kind of client reaches its target by name; returns the children by kind. */
    private static Map<String, ChildJvm> everyKind(Path jdk, String agentOptions, InetAddress proxyOutgoing) {
        Map<String, ChildJvm> children = new LinkedHashMap<>();
        try (TcpEchoTarget tcp = TcpEchoTarget.acceptingOnly(proxyOutgoing);
                TlsEchoTarget tls = TlsEchoTarget.acceptingOnly(proxyOutgoing);
                UdpEchoTarget udp = UdpEchoTarget.acceptingOnly(proxyOutgoing);
                HttpTarget http = HttpTarget.acceptingOnly(proxyOutgoing);
                HttpTarget https = HttpTarget.tlsAcceptingOnly(proxyOutgoing)) {
            Map<String, RecordingTarget> targets = Map.of("socket", tcp, "direct", tcp, "channel", tcp, "ssl", tls,
                    "udp", udp, "http", http, "okhttp", http, "httpclient", http, "https", https);
            for (String kind : KINDS) {
                ChildJvm child = run(jdk, agentOptions, Dns.noLookup(), kind, Hostnames.PROXY_ONLY,
                        targets.get(kind).port());
                assertOk(child);
                assertTrue(value(child, "ADDRESS").startsWith(PLACEHOLDER), kind + ": " + child.describe());
                children.put(kind, child);
            }
            for (RecordingTarget t : List.of(tcp, tls, udp, http, https)) {
                t.assertNoRejected();
            }
            // (the last request may still be being recorded: each child checked its own response)
            for (HttpTarget.Request r : http.requests()) {
                assertTrue(r.hostHeader().startsWith(Hostnames.PROXY_ONLY + ":"), r.toString());
            }
        }
        return children;
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void everyClientSendsTheNameToTheEmbeddedServer(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start()) {
            Map<String, ChildJvm> children = everyKind(jdk, "proxy=socks5h://127.0.0.1:" + server.address().getPort(),
                    Loopback.PROXY_EXTERNAL);
            // One CONNECT per stream kind, one UDP association.
            List<SessionRecord> records = server.awaitRecords(KINDS.size(), Duration.ofSeconds(20));
            long connects = 0;
            for (SessionRecord r : records) {
                if (Socks5CommandType.CONNECT.equals(r.command())) {
                    connects++;
                    assertTrue(r.destination().isDomain(), r + "\n" + children);
                    assertEquals(Hostnames.PROXY_ONLY, r.destination().domain(), r.toString());
                }
            }
            assertEquals(KINDS.size() - 1, connects, records.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void everyClientSendsTheNameToDante(Path jdk) {
        try (Dante dante = Dante.builder().start()) {
            everyKind(jdk, "proxy=socks5h://" + dante.host() + ":" + dante.port(), dante.externalAddress());
        }
    }

    /** SOCKS4a carries the name too (the embedded server speaks it; Dante does not). */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socks4aSendsTheName(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, "proxy=socks4a://127.0.0.1:" + server.address().getPort(), Dns.noLookup(),
                    "okhttp", Hostnames.PROXY_ONLY, http.port());
            assertOk(child);
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(20)).get(0);
            assertEquals(Hostnames.PROXY_ONLY, r.destination().domain(), r.toString());
            http.assertNoRejected();
        }
    }

    /** The negative control: without the agent the same child cannot even resolve the name. */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void withoutTheAgentTheNameDoesNotResolve(Path jdk) {
        try (HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, null, Dns.noLookup(), "okhttp", Hostnames.PROXY_ONLY, http.port());
            assertFailed(child, java.net.UnknownHostException.class, Hostnames.PROXY_ONLY);
            assertTrue(http.acceptedSources().isEmpty() && http.rejectedSources().isEmpty());
        }
    }

    /**
     * The placeholder answers forward and reverse lookups with the name ({@code getHostName()},
     * {@code getCanonicalHostName()}, an address object made from its bytes alone), so TLS host name checks and logs
     * see the name.
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void thePlaceholderLooksUpBothWays(Path jdk) {
        ChildJvm child = run(jdk, "proxy=socks5h://127.0.0.1:9", Dns.noLookup(), "lookup", Hostnames.PROXY_ONLY, 0);
        assertOk(child);
        assertEquals(Hostnames.PROXY_ONLY + "/198.18.0.1", value(child, "ADDRESS"), child.describe());
        assertEquals(Hostnames.PROXY_ONLY, value(child, "HOSTNAME"));
        assertEquals(Hostnames.PROXY_ONLY, value(child, "CANONICAL"));
        assertEquals(Hostnames.PROXY_ONLY, value(child, "REVERSE"));
        assertEquals("[" + Hostnames.PROXY_ONLY + "/198.18.0.1]", value(child, "ALL"));
    }

    /**
     * Resolved here as before: every name with {@code dns=local} (the proxy gets the address), a name in
     * {@code bypass}, and {@code localhost}. The child uses the system resolver, which knows the name from
     * {@code /etc/hosts}.
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void localNamesAndDnsLocalResolveHere(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget tcp = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            String proxy = "proxy=socks5h://127.0.0.1:" + server.address().getPort();
            ChildJvm local = run(jdk, proxy + ",dns=local,bypass=none", List.of(), "socket", Hostnames.PROXY_ONLY, tcp.port());
            assertOk(local);
            assertEquals(Hostnames.PROXY_ONLY + "/127.0.0.1", value(local, "ADDRESS"), local.describe());
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(20)).get(0);
            assertFalse(r.destination().isDomain(), r.toString());
            assertEquals(Loopback.LOCALHOST, r.destination().ip());

            ChildJvm bypassed = run(jdk, proxy + ",bypass=" + Hostnames.PROXY_ONLY + ":1", List.of(), "lookup",
                    Hostnames.PROXY_ONLY, 0);
            assertOk(bypassed);
            assertEquals(Hostnames.PROXY_ONLY + "/127.0.0.1", value(bypassed, "ADDRESS"), bypassed.describe());

            ChildJvm localhost = run(jdk, proxy + ",bypass=none", List.of(), "lookup", "localhost", 0);
            assertOk(localhost);
            assertEquals("localhost/127.0.0.1", value(localhost, "ADDRESS"), localhost.describe());
            tcp.assertNoRejected();
        }
    }

    /**
     * A placeholder is never connected directly, whoever asks for it: {@code udp=direct}, a bypass rule matching its
     * address. The error names the name; nothing reaches the targets, which accept anyone. ({@code Proxy.NO_PROXY}
     * is no way out: such a socket is routed, the {@code direct} kind of {@link #everyKind}.)
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void thePlaceholderNeverGoesDirect(Path jdk) {
        String proxy = "proxy=socks5h://127.0.0.1:9";
        String message = "socksify: " + Hostnames.PROXY_ONLY + " was resolved by the proxy";
        try (TcpEchoTarget tcp = TcpEchoTarget.acceptingAny(); UdpEchoTarget udp = UdpEchoTarget.acceptingAny()) {
            assertFailed(run(jdk, proxy + ",udp=direct", Dns.noLookup(), "udp", Hostnames.PROXY_ONLY, udp.port()),
                    java.net.NoRouteToHostException.class, message);
            ChildJvm bypassed = run(jdk, proxy + ",bypass=198.18.0.0/15", Dns.noLookup(), "socket",
                    Hostnames.PROXY_ONLY, tcp.port());
            assertFailed(bypassed, java.net.ConnectException.class, message);
            assertTrue(bypassed.stdout().contains("bypass 198.18.0.0/15"), bypassed.describe());
            assertTrue(tcp.acceptedSources().isEmpty() && tcp.rejectedSources().isEmpty());
            assertTrue(udp.acceptedSources().isEmpty() && udp.rejectedSources().isEmpty());
        }
    }
}
