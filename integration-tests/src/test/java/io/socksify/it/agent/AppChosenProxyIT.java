package io.socksify.it.agent;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.HttpProxyTarget;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.agent.Apps.connect;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A proxy the application chose itself is a destination like any other: the TCP connection to it goes through
 * socksify's proxy (the embedded server in the test JVM, sending from {@link Loopback#PROXY_EXTERNAL}), unless a
 * bypass rule matches it, and {@code Proxy.NO_PROXY} does not opt a socket out of routing. The application's proxies
 * here accept only connections from socksify's proxy's outgoing address.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AppChosenProxyIT {
    /** The application's own SOCKS proxy sends from here, so that a target can tell its connections apart. */
    private static final InetAddress APP_PROXY_EXTERNAL = Loopback.address("127.0.0.3");
    private static final String ORIGIN = "origin.invalid";

    private static SocksServer socksifysProxy() throws Exception {
        return SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
    }

    private static String agent(SocksServer proxy, String bypass) {
        return "proxy=socks5://127.0.0.1:" + proxy.address().getPort() + ",bypass=" + bypass;
    }

    private static List<String> httpProxyProperties(HttpProxyTarget httpProxy) {
        return List.of("-Dhttp.proxyHost=127.0.0.1", "-Dhttp.proxyPort=" + httpProxy.port());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void httpUrlConnectionReachesItsHttpProxyThroughSocks(Path jdk) throws Exception {
        try (SocksServer proxy = socksifysProxy();
                HttpTarget origin = HttpTarget.acceptingAny();
                HttpProxyTarget httpProxy = HttpProxyTarget.start(Loopback.LOCALHOST, Loopback.PROXY_EXTERNAL,
                        origin.address())) {
            ChildJvm child = connect(jdk, agent(proxy, "none"), httpProxyProperties(httpProxy), "http", ORIGIN,
                    "80");
            assertOk(child);
            assertTrue(child.stdout().contains("BODY " + HttpTarget.BODY), child.describe());
            httpProxy.assertNoRejected();
            assertEquals(List.of("GET http://" + ORIGIN + ":80/ HTTP/1.1"), httpProxy.requests());
            SessionRecord record = proxy.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(httpProxy.port(), record.destination().port(), record.toString());
            assertEquals("127.0.0.1", record.destination().host(), record.toString());

            // Negative control: without the agent the application reaches its HTTP proxy directly, which refuses it.
            ChildJvm control = connect(jdk, null, httpProxyProperties(httpProxy), "http", ORIGIN, "80");
            assertNotEquals(0, control.exitCode(), control.describe());
            // (HttpURLConnection retries a GET once when the connection is closed on it.)
            assertFalse(httpProxy.rejectedSources().isEmpty());
            assertEquals(1, httpProxy.acceptedSources().size(), httpProxy.acceptedSources().toString());
        }
    }

    /** {@code https.proxyHost}: the JDK tunnels ({@code CONNECT}) through the HTTP proxy, reached through SOCKS. */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void httpsUrlConnectionTunnelsThroughItsHttpProxyReachedThroughSocks(Path jdk) throws Exception {
        try (SocksServer proxy = socksifysProxy();
                HttpTarget origin = HttpTarget.tlsAcceptingOnly(Loopback.LOCALHOST);
                HttpProxyTarget httpProxy = HttpProxyTarget.start(Loopback.LOCALHOST, Loopback.PROXY_EXTERNAL,
                        null)) {
            List<String> jvmArgs = new ArrayList<>(List.of(TlsEchoTarget.trustStoreJvmArgs()));
            // The default http.nonProxyHosts sends localhost direct; empty, every host goes to the HTTP proxy.
            jvmArgs.addAll(List.of("-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=" + httpProxy.port(),
                    "-Dhttp.nonProxyHosts="));
            ChildJvm child = connect(jdk, agent(proxy, "none"), jvmArgs, "https", "localhost", "" + origin.port());
            assertOk(child);
            assertTrue(child.stdout().contains("BODY " + HttpTarget.BODY), child.describe());
            httpProxy.assertNoRejected();
            assertEquals(List.of("CONNECT localhost:" + origin.port() + " HTTP/1.1"), httpProxy.requests());
            origin.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aBypassRuleMatchingTheApplicationsProxySendsItDirect(Path jdk) throws Exception {
        try (SocksServer proxy = socksifysProxy();
                HttpTarget origin = HttpTarget.acceptingAny();
                HttpProxyTarget httpProxy = HttpProxyTarget.start(Loopback.LOCALHOST, Loopback.LOCALHOST,
                        origin.address())) {
            ChildJvm child = connect(jdk, agent(proxy, "127.0.0.1:" + httpProxy.port()),
                    httpProxyProperties(httpProxy), "http", ORIGIN, "80");
            assertOk(child);
            assertEquals(1, httpProxy.acceptedSources().size(), httpProxy.acceptedSources().toString());
            httpProxy.assertNoRejected();
            assertTrue(proxy.records().isEmpty(), proxy.records().toString());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aSocketWithAnHttpProxyTunnelsThroughSocks(Path jdk) throws Exception {
        try (SocksServer proxy = socksifysProxy();
                TcpEchoTarget target = TcpEchoTarget.acceptingAny();
                HttpProxyTarget httpProxy = HttpProxyTarget.start(Loopback.LOCALHOST, Loopback.PROXY_EXTERNAL,
                        null)) {
            ChildJvm child = connect(jdk, agent(proxy, "none"),
                    List.of("-Dit.appProxy=127.0.0.1:" + httpProxy.port()), "httpproxy", target.host(),
                    "" + target.port());
            assertOk(child);
            httpProxy.assertNoRejected();
            assertEquals(List.of("CONNECT " + target.host() + ":" + target.port() + " HTTP/1.1"),
                    httpProxy.requests());
            assertEquals(1, target.acceptedSources().size());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aNoProxySocketIsRouted(Path jdk) throws Exception {
        try (SocksServer proxy = socksifysProxy();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, agent(proxy, "none"), "noproxy", target.host(), "" + target.port());
            assertOk(child);
            // The socket reports the destination, not the proxy.
            assertTrue(child.stdout().contains("REMOTE /" + target.host() + ":" + target.port()), child.describe());
            target.assertNoRejected();
            assertEquals(1, target.acceptedSources().size());
            SessionRecord record = proxy.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(target.port(), record.destination().port(), record.toString());

            ChildJvm control = connect(jdk, null, "noproxy", target.host(), "" + target.port());
            assertNotEquals(0, control.exitCode(), control.describe());
            assertFalse(target.rejectedSources().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void theApplicationsSocksProxyIsChainedBehindSocksifysProxy(Path jdk) throws Exception {
        chainsTheApplicationsSocksProxy(jdk, "socksproxy");
    }

    /** The same with {@code new Socket()} and a {@code ProxySelector} of the application's that picks its proxy. */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aProxySelectorsSocksProxyIsChainedBehindSocksifysProxy(Path jdk) throws Exception {
        chainsTheApplicationsSocksProxy(jdk, "selector");
    }

    private static void chainsTheApplicationsSocksProxy(Path jdk, String kind) throws Exception {
        try (SocksServer proxy = socksifysProxy();
                SocksServer appProxy = SocksServer.builder().port(0).allowClients("127.0.0.2/32")
                        .outgoingBindAddress(APP_PROXY_EXTERNAL).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(APP_PROXY_EXTERNAL)) {
            List<String> jvmArgs = List.of("-Dit.appProxy=127.0.0.1:" + appProxy.address().getPort());
            ChildJvm child = connect(jdk, agent(proxy, "none"), jvmArgs, kind, target.host(), "" + target.port());
            assertOk(child);
            target.assertNoRejected();
            assertEquals(1, target.acceptedSources().size());
            // socksify's proxy was asked for the application's proxy, which was reached from socksify's proxy's
            // outgoing address and asked for the target.
            SessionRecord first = proxy.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(appProxy.address().getPort(), first.destination().port(), first.toString());
            SessionRecord second = appProxy.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(Loopback.PROXY_EXTERNAL, second.client().getAddress(), second.toString());
            assertEquals(target.port(), second.destination().port(), second.toString());
            assertTrue(second.succeeded(), second.toString());

            // Negative control: without the agent the application's proxy refuses the direct connection.
            ChildJvm control = connect(jdk, null, jvmArgs, kind, target.host(), "" + target.port());
            assertNotEquals(0, control.exitCode(), control.describe());
            assertEquals(1, target.acceptedSources().size());
        }
    }

    /** JDK 17's legacy impl ({@code -Djdk.net.usePlainSocketImpl}) is hooked like {@code NioSocketImpl}. */
    @Test
    void jdk17sLegacySocketImplIsRouted() throws Exception {
        try (SocksServer proxy = socksifysProxy();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String kind : List.of("ip", "noproxy")) {
                ChildJvm child = connect(Jdks.jdk17(), agent(proxy, "none"), List.of("-Djdk.net.usePlainSocketImpl"),
                        kind, target.host(), "" + target.port());
                assertOk(child);
                assertTrue(child.stdout().contains("REMOTE /" + target.host() + ":" + target.port()),
                        child.describe());
            }
            target.assertNoRejected();
            assertEquals(2, target.acceptedSources().size());
        }
    }
}
