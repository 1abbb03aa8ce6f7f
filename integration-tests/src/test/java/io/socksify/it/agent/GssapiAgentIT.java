package io.socksify.it.agent;

import static io.socksify.it.support.ChildApps.assertFailed;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.apps.nio.NioClientApp;
import io.socksify.it.apps.udp.UdpClientApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.DanteGssapi;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Kdc;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.RecordingTarget;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent through a real Dante that requires GSS-API (RFC 1961, Kerberos from a real KDC on loopback), at level
 * clear (Dante's {@code gssapi.enctype: clear}): every TCP path and UDP, with a keytab and with a ticket cache
 * ({@code KRB5CCNAME}), on JDK 17 and 25. The targets accept only Dante's outgoing 127.0.0.2, and Dante's log names
 * the principal it authenticated. Then each refusal, with nothing arriving anywhere directly: no ticket, an expired
 * ticket, a service the KDC has no key for, and a level the proxy refuses. The levels that wrap data
 * (integrity, confidentiality) go through the agent's relay ({@code GssapiRelayIT}); UDP at those levels:
 * {@code GssapiUdpIT}.
 *
 * <p>The agent's own GSS-API classes are loaded from the boot class path; these runs are what shows that the
 * Kerberos mechanism, which the boot loader cannot link, is reached through socks-protocol's own loader.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GssapiAgentIT {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
    private Kdc kdc;
    private Dante clear;

    @BeforeAll
    void start() {
        kdc = Kdc.start();
        clear = DanteGssapi.builder(kdc, "clear").start();
    }

    @AfterAll
    void stop() {
        if (clear != null) {
            clear.close();
        }
        if (kdc != null) {
            kdc.close();
        }
    }

    private String keytabOptions(Dante dante) {
        return "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none,gssapi.keytab="
                + kdc.userKeytab() + ",gssapi.principal=" + kdc.userPrincipal() + ",gssapi.level=clear";
    }

    private ChildJvm run(Class<?> app, Path jdk, String agentOptions, Map<String, String> env, List<String> jvmArgs,
            String... args) {
        List<String> jvm = new ArrayList<>(jvmArgs);
        jvm.add("-Djava.security.krb5.conf=" + kdc.krb5Conf());
        ChildJvm.Builder b = ChildJvm.builder(app).javaHome(jdk).jvmArgs(jvm.toArray(String[]::new)).args(args)
                .agent(agentOptions);
        env.forEach(b::env);
        return b.run(CHILD_TIMEOUT);
    }

    private ChildJvm run(Class<?> app, Path jdk, String agentOptions, String... args) {
        return run(app, jdk, agentOptions, Map.of(), List.of(), args);
    }

    private void assertAuthenticatedByDante(Dante dante) {
        assertTrue(dante.log().contains(Kdc.USER), "Dante logs the authenticated principal\n" + dante.log());
    }

    private static void assertOnlyThroughDante(RecordingTarget target, int connections) {
        target.assertNoRejected();
        assertEquals(connections, target.acceptedSources().size(), target.toString());
        target.acceptedSources().forEach(s -> assertEquals(Loopback.PROXY_EXTERNAL, s.getAddress()));
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socketAndSslSocketAtLevelClear(Path jdk) {
        String agent = keytabOptions(clear);
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TlsEchoTarget tls = TlsEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm socket = run(ConnectApp.class, jdk, agent, "ip", echo.host(), "" + echo.port());
            assertOk(socket);
            assertTrue(socket.stdout().contains("REMOTE /" + echo.host() + ":" + echo.port()), socket.describe());
            assertOnlyThroughDante(echo, 1);

            ChildJvm ssl = run(ConnectApp.class, jdk, agent, Map.of(), List.of(TlsEchoTarget.trustStoreJvmArgs()),
                    "ssl", "localhost", "" + tls.port());
            assertOk(ssl);
            assertTrue(ssl.stdout().contains("ECHO ok"), ssl.describe());
            tls.assertNoRejected();
        }
        assertAuthenticatedByDante(clear);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void everyChannelPathAndHttpClientAtLevelClear(Path jdk) {
        String agent = keytabOptions(clear);
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String kind : List.of("blocking", "future", "handler")) {
                assertOk(run(NioClientApp.class, jdk, agent, kind, echo.host(), "" + echo.port()));
            }
            // Three channels on one selector: the handshakes (Kerberos included) run on socksify's driver thread.
            assertOk(run(NioClientApp.class, jdk, agent, "selector", echo.host(), "" + echo.port(), "3"));
            assertOnlyThroughDante(echo, 6);

            ChildJvm client = run(NioClientApp.class, jdk, agent, "http", http.host(), "" + http.port());
            assertOk(client);
            http.assertNoRejected();
            assertEquals(Loopback.PROXY_EXTERNAL, http.requests().get(0).source().getAddress());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void oneMebibyteEachWayByteExactOnTheChannelPaths(Path jdk) {
        String agent = keytabOptions(clear);
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String kind : List.of("bulk-blocking", "bulk-selector", "bulk-async")) {
                assertOk(run(NioClientApp.class, jdk, agent, kind, echo.host(), "" + echo.port(), "" + (1 << 20)));
            }
            assertOnlyThroughDante(echo, 3);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void udpThroughTheGssapiAssociationAtLevelClear(Path jdk) {
        try (UdpEchoTarget echo = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String kind : List.of("socket", "channel")) {
                ChildJvm child = run(UdpClientApp.class, jdk, keytabOptions(clear), kind,
                        echo.address().getAddress().getHostAddress(), "" + echo.address().getPort(), "50");
                assertOk(child);
                assertTrue(child.stdout().contains("ECHOED 50"), child.describe());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aTicketCacheFromKrb5ccnameInsteadOfAKeytab(Path jdk) {
        Path cache = kdc.kinit(Duration.ofMinutes(30));
        String agent = "proxy=socks5://" + clear.host() + ":" + clear.port() + ",bypass=none,gssapi.level=clear";
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            assertOk(run(ConnectApp.class, jdk, agent, Map.of("KRB5CCNAME", "FILE:" + cache), List.of(), "ip",
                    echo.host(), "" + echo.port()));
            assertOk(run(NioClientApp.class, jdk, agent, Map.of("KRB5CCNAME", "FILE:" + cache), List.of(),
                    "blocking", echo.host(), "" + echo.port()));
            assertOnlyThroughDante(echo, 2);
        }
    }

    /** A {@code ConnectException} (exit code 3) whose message names each part; nothing arrived at the target. */
    private static void assertRefused(ChildJvm child, RecordingTarget target, String... messageParts) {
        for (String part : messageParts) {
            assertFailed(child, ConnectException.class, part);
        }
        assertEquals(0, target.acceptedSources().size(), child.describe());
        target.assertNoRejected();
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void noTicketIsNamedAndNothingIsSent(Path jdk) {
        String agent = "proxy=socks5://" + clear.host() + ":" + clear.port() + ",bypass=none,gssapi.level=clear,"
                + "gssapi.principal=" + kdc.userPrincipal();
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (Class<?> app : List.of(ConnectApp.class, NioClientApp.class)) {
                ChildJvm child = run(app, jdk, agent, Map.of("KRB5CCNAME", "FILE:/nonexistent/socksify-ccache"),
                        List.of(), app == ConnectApp.class ? "ip" : "blocking", echo.host(), "" + echo.port());
                assertRefused(child, echo, "no usable Kerberos credentials for " + kdc.userPrincipal());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void anExpiredTicketIsNamed(Path jdk) throws InterruptedException {
        Path cache = kdc.kinit(Duration.ofSeconds(1));
        Thread.sleep(2_500);
        String agent = "proxy=socks5://" + clear.host() + ":" + clear.port() + ",bypass=none,gssapi.level=clear,"
                + "gssapi.principal=" + kdc.userPrincipal();
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(ConnectApp.class, jdk, agent, Map.of("KRB5CCNAME", "FILE:" + cache), List.of(),
                    "ip", echo.host(), "" + echo.port());
            assertRefused(child, echo, "Kerberos");
            assertTrue(child.stdout().contains("expired") || child.stdout().contains("no current ticket"),
                    child.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aServiceTheKdcHasNoKeyForFailsInContextEstablishment(Path jdk) {
        String agent = keytabOptions(clear) + ",gssapi.service=nosuchservice";
        try (TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(ConnectApp.class, jdk, agent, "ip", echo.host(), "" + echo.port());
            assertRefused(child, echo, "GSS-API context establishment for nosuchservice@127.0.0.1 could not start");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aProxyThatRefusesLevelClearClosesAndTheLevelIsNamed(Path jdk) {
        // Dante's default allows integrity and confidentiality only.
        try (Dante strict = DanteGssapi.builder(kdc).start();
                TcpEchoTarget echo = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (Class<?> app : List.of(ConnectApp.class, NioClientApp.class)) {
                ChildJvm child = run(app, jdk, keytabOptions(strict), app == ConnectApp.class ? "ip" : "future",
                        echo.host(), "" + echo.port());
                assertRefused(child, echo, "refused protection level CLEAR");
            }
        }
    }
}
