package io.socksify.it.agent;

import static io.socksify.it.support.ChildApps.assertFailed;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.apps.GssapiRelayApp;
import io.socksify.it.apps.nio.NioClientApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.DanteGssapi;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Kdc;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.RecordingTarget;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.ThreadLeaks;
import io.socksify.it.support.TlsEchoTarget;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent's GSS-API relay (GSSAPI-DESIGN.md, "Data protection"): a real Dante that allows only
 * {@code gssapi.enctype: integrity}, or only {@code confidentiality}, with Kerberos from a real KDC, on JDK 17 and
 * 25. One child JVM per level and JDK runs every TCP path ({@link GssapiRelayApp}): {@code Socket}, {@code SSLSocket},
 * a blocking channel, three non-blocking channels on one selector, {@code AsynchronousSocketChannel} with a future
 * and with a handler, and {@code HttpClient} (integrity with a keytab, confidentiality with a ticket cache named by
 * {@code KRB5CCNAME}); 1 MiB each way byte-exact on three of them, ending with a half-close;
 * each reports the real destination as its peer; the relay thread runs while a connection is open and is gone after
 * the last. Dante sees every byte wrapped: it refuses anything else at these levels (it would close the connection),
 * and the targets accept only Dante's outgoing address. Then a level the proxy refuses, named, nothing sent.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GssapiRelayIT {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);
    private Kdc kdc;
    private Dante integrity;
    private Dante confidentiality;

    @BeforeAll
    void start() {
        kdc = Kdc.start();
        integrity = DanteGssapi.builder(kdc, "integrity").start();
        confidentiality = DanteGssapi.builder(kdc, "confidentiality").start();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {integrity, confidentiality, kdc}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // Stopping peers.
                }
            }
        }
    }

    Stream<Arguments> levelsAndJdks() {
        List<Arguments> all = new ArrayList<>();
        for (Path jdk : io.socksify.it.support.Jdks.all()) {
            all.add(Arguments.of("integrity", jdk));
            all.add(Arguments.of("confidentiality", jdk));
        }
        return all.stream();
    }

    private String agent(Dante dante, String level) {
        return "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none,gssapi.keytab="
                + kdc.userKeytab() + ",gssapi.principal=" + kdc.userPrincipal() + ",gssapi.level=" + level;
    }

    /** The agent's options with no keytab: the credentials come from the ticket cache {@code KRB5CCNAME} names. */
    private static String agentWithTicketCache(Dante dante, String level) {
        return "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none,gssapi.level=" + level;
    }

    private ChildJvm run(Class<?> app, Path jdk, String agentOptions, List<String> jvmArgs, String... args) {
        return run(app, jdk, agentOptions, null, jvmArgs, args);
    }

    private ChildJvm run(Class<?> app, Path jdk, String agentOptions, Path ticketCache, List<String> jvmArgs,
            String... args) {
        List<String> jvm = new ArrayList<>(jvmArgs);
        jvm.add("-Djava.security.krb5.conf=" + kdc.krb5Conf());
        ChildJvm.Builder b = ChildJvm.builder(app).javaHome(jdk).jvmArgs(jvm.toArray(String[]::new)).args(args)
                .agent(agentOptions);
        if (ticketCache != null) {
            b.env("KRB5CCNAME", "FILE:" + ticketCache);
        }
        return b.run(CHILD_TIMEOUT);
    }

    private static void assertOnlyThroughDante(RecordingTarget target, int connections) {
        target.assertNoRejected();
        assertEquals(connections, target.acceptedSources().size(), target.toString());
        target.acceptedSources().forEach(s -> assertEquals(Loopback.PROXY_EXTERNAL, s.getAddress()));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("levelsAndJdks")
    void everyTcpPathThroughTheRelay(String level, Path jdk) {
        Dante dante = level.equals("integrity") ? integrity : confidentiality;
        ThreadLeaks threads = ThreadLeaks.snapshot();
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TlsEchoTarget tls = TlsEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            List<String> jvmArgs = new java.util.ArrayList<>(List.of(TlsEchoTarget.trustStoreJvmArgs()));
            // The HttpClient's pooled connection closes after 1 s idle: the child then checks the relay thread ends.
            jvmArgs.add("-Djdk.httpclient.keepalive.timeout=1");
            // Integrity logs in with a keytab; confidentiality with a ticket cache (KRB5CCNAME), no keytab.
            boolean keytab = level.equals("integrity");
            ChildJvm child = run(GssapiRelayApp.class, jdk, keytab ? agent(dante, level)
                    : agentWithTicketCache(dante, level), keytab ? null : kdc.kinit(Duration.ofMinutes(30)), jvmArgs,
                    echo.host(), "" + echo.port(), "" + tls.port(), http.host(), "" + http.port(), "" + (1 << 20));
            assertOk(child);
            String out = child.stdout();
            for (String path : List.of("SOCKET", "SSL", "BLOCKING", "SELECTOR", "FUTURE", "HANDLER", "HTTP")) {
                assertTrue(out.contains(path + " ok"), path + "\n" + child.describe());
            }
            assertTrue(out.contains("SOCKET REMOTE /" + echo.host() + ":" + echo.port()), child.describe());
            assertEquals(3, out.split("BULK 1048576 each way, byte-exact", -1).length - 1, child.describe());
            assertTrue(out.contains("LOCAL 127.0.0.1"), "the documented difference\n" + child.describe());
            // The relay runs in the child: it checks there that the thread is gone after the last connection closed
            // (after the channel paths, and again after HTTP's pooled connection closed).
            assertTrue(out.contains("RELAY THREAD RUNNING") && out.contains("RELAY THREAD GONE")
                    && out.contains("RELAY THREAD GONE AFTER HTTP"), child.describe());
            // Socket, blocking, three on the selector, future, handler.
            assertOnlyThroughDante(echo, 7);
            tls.assertNoRejected();
            assertEquals(1, tls.acceptedSources().size(), tls.toString());
            http.assertNoRejected();
            assertEquals(Loopback.PROXY_EXTERNAL, http.requests().get(0).source().getAddress());
        }
        assertTrue(dante.log().contains(Kdc.USER), "Dante logs the authenticated principal\n" + dante.log());
        threads.assertNoNewThreads(Duration.ofSeconds(5)); // the test's own peers (the relay's are the child's)
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aLevelTheProxyRefusesIsNamedAndNothingIsSent(Path jdk) {
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (Class<?> app : List.of(ConnectApp.class, NioClientApp.class)) {
                ChildJvm child = run(app, jdk, agent(integrity, "confidentiality"), List.of(),
                        app == ConnectApp.class ? "ip" : "selector", echo.host(), "" + echo.port());
                assertFailed(child, ConnectException.class, "refused protection level CONFIDENTIALITY");
            }
            assertEquals(0, echo.acceptedSources().size());
            echo.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void gssapiProxiesLetsARouteThroughAProxyWithoutGssapiBeSideOneWithIt(Path jdk) throws Exception {
        // The default route through socksify's embedded server (no GSS-API, outgoing 127.0.0.3), one destination
        // routed through GSS-API Dante at integrity: gssapi.proxies names Dante alone.
        java.net.InetAddress serverExternal = Loopback.address("127.0.0.3");
        try (io.socksify.protocol.server.SocksServer server = io.socksify.protocol.server.SocksServer.builder()
                        .port(0).outgoingBindAddress(serverExternal).start();
                TcpEchoTarget viaDante = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TcpEchoTarget viaServer = TcpEchoTarget.acceptingOnly(serverExternal)) {
            String options = "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",routes="
                    + viaDante.host() + ":" + viaDante.port() + "->socks5://" + integrity.host() + ":"
                    + integrity.port() + ",bypass=none,gssapi.keytab=" + kdc.userKeytab() + ",gssapi.principal="
                    + kdc.userPrincipal() + ",gssapi.level=integrity";
            String named = options + ",gssapi.proxies=" + integrity.host() + ":" + integrity.port();
            assertOk(run(ConnectApp.class, jdk, named, List.of(), "ip", viaDante.host(), "" + viaDante.port()));
            assertOk(run(ConnectApp.class, jdk, named, List.of(), "ip", viaServer.host(), "" + viaServer.port()));
            assertOnlyThroughDante(viaDante, 1);
            viaServer.assertNoRejected();
            assertEquals(List.of(serverExternal), viaServer.acceptedSources().stream()
                    .map(java.net.InetSocketAddress::getAddress).toList(), viaServer.toString());
            io.socksify.protocol.server.SessionRecord record = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(null, record.principal(), "no GSS-API with the embedded server: " + record);
            // Without gssapi.proxies every SOCKS5 proxy must do GSS-API at integrity: the server's no-auth fails.
            ChildJvm refused = run(ConnectApp.class, jdk, options, List.of(), "ip", viaServer.host(),
                    "" + viaServer.port());
            assertFailed(refused, ConnectException.class, "the proxy selected SOCKS5 method NO_AUTH");
            assertEquals(1, viaServer.acceptedSources().size(), "nothing more reached the target");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aProxySelectingNoAuthenticationAtIntegrityFailsNamingItAndNothingIsSent(Path jdk) {
        // The method selection is not protected: a proxy (or one changed octet) choosing NO_AUTH must not remove
        // the protection the configuration asks for.
        try (Dante plain = Dante.builder().start();
                TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String mode : List.of("socket", "selector", "handler")) {
                Class<?> app = mode.equals("socket") ? ConnectApp.class : NioClientApp.class;
                ChildJvm child = run(app, jdk, agent(plain, "integrity"), List.of(),
                        mode.equals("socket") ? "ip" : mode, echo.host(), "" + echo.port());
                assertFailed(child, ConnectException.class, "the proxy selected SOCKS5 method NO_AUTH");
                if (mode.equals("handler")) {
                    // As the JDK does: on a thread of the channel's group, not socksify's connect thread.
                    assertTrue(child.stdout().contains("HANDLER FAILED ON ")
                            && !child.stdout().contains("HANDLER FAILED ON socksify-"), child.describe());
                }
                assertTrue(child.stdout().contains("GSS-API is configured at protection level INTEGRITY"),
                        child.describe());
                assertTrue(child.stdout().contains(plain.host() + ":" + plain.port()), "names the proxy\n"
                        + child.describe());
            }
            assertEquals(0, echo.acceptedSources().size());
            echo.assertNoRejected();
        }
    }
}
