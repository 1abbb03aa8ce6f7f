package io.socksify.it.agent;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.agent.Apps.assertOnlyInfoLine;
import static io.socksify.it.agent.Apps.connect;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of {@code java.net.Socket} use goes through Dante under the agent, on JDK 17 and 25: the targets accept
 * only Dante's outgoing address (127.0.0.2), and without the agent the same application is turned away.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutesSocketThroughDanteIT {
    private Dante dante;
    private String proxy;

    @BeforeAll
    void startDante() {
        dante = Dante.builder().start();
        proxy = "proxy=socks5://" + dante.host() + ":" + dante.port();
    }

    @AfterAll
    void stopDante() {
        dante.close();
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesPlainSocketByIp(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, proxy + ",bypass=none", "ip", target.host(), "" + target.port());
            assertOk(child);
            // Transparent: the socket reports the destination, not the proxy.
            assertTrue(child.stdout().contains("REMOTE /" + target.host() + ":" + target.port()), child.describe());
            assertEquals(1, target.acceptedSources().size());
            target.assertNoRejected();
            assertOnlyInfoLine(child);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void withoutTheAgentTheTargetTurnsTheApplicationAway(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, null, "ip", target.host(), "" + target.port());
            assertNotEquals(0, child.exitCode(), child.describe());
            target.awaitRejected(1, Apps.CHILD_TIMEOUT);
            assertEquals(Loopback.LOCALHOST, target.rejectedSources().get(0).getAddress());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesSocketByHostName(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, proxy + ",bypass=none", "name", "localhost", "" + target.port());
            assertOk(child);
            assertTrue(child.stdout().contains("REMOTE localhost/127.0.0.1:" + target.port()), child.describe());
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesUnresolvedAddressByName(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=socks5h://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    "unresolved", "localhost", "" + target.port());
            assertOk(child);
            target.assertNoRejected();
        }
    }

    /**
     * The child JVM resolves no name but localhost ({@link Hostnames#noLookupJvmArg()}); {@link Hostnames#PROXY_ONLY}
     * resolves only at the proxy. {@code new Socket(name, port)} must still connect (dns=remote), though the name
     * does not resolve locally, and the negative control shows that it does not.
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void hostNameOnlyTheProxyCanResolve(Path jdk) {
        Hostnames.assertProxyOnlyNameConfigured();
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            List<String> jvm = List.of(Hostnames.noLookupJvmArg());
            ChildJvm control = connect(jdk, null, jvm, "name", Hostnames.PROXY_ONLY, "" + target.port());
            assertTrue(control.stdout().contains("FAILED java.net.UnknownHostException"), control.describe());

            for (String kind : List.of("name", "unresolved")) {
                ChildJvm child = connect(jdk, "proxy=socks5h://" + dante.host() + ":" + dante.port()
                        + ",bypass=none", jvm, kind, Hostnames.PROXY_ONLY, "" + target.port());
                assertOk(child);
            }
            target.assertNoRejected();
            assertEquals(2, target.acceptedSources().size());
        }
    }

    /** The same for {@code SSLSocketFactory.createSocket(name, port)} and {@code HttpURLConnection}. */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void hostNameOnlyTheProxyCanResolveOverTlsAndHttp(Path jdk) {
        Hostnames.assertProxyOnlyNameConfigured();
        String proxyH = "proxy=socks5h://" + dante.host() + ":" + dante.port() + ",bypass=none";
        try (TlsEchoTarget tls = TlsEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            List<String> jvm = new java.util.ArrayList<>(List.of(TlsEchoTarget.trustStoreJvmArgs()));
            jvm.add(Hostnames.noLookupJvmArg());
            assertOk(connect(jdk, proxyH, jvm, "ssl", Hostnames.PROXY_ONLY, "" + tls.port()));
            tls.assertNoRejected();

            ChildJvm child = connect(jdk, proxyH, jvm, "http", Hostnames.PROXY_ONLY, "" + http.port());
            assertOk(child);
            assertTrue(child.stdout().contains("BODY " + HttpTarget.BODY), child.describe());
            http.assertNoRejected();
            assertEquals(Hostnames.PROXY_ONLY + ":" + http.port(), http.requests().get(0).hostHeader());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesSslSocketEndToEnd(Path jdk) {
        try (TlsEchoTarget target = TlsEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, proxy + ",bypass=none", List.of(TlsEchoTarget.trustStoreJvmArgs()), "ssl",
                    "localhost", "" + target.port());
            assertOk(child);
            assertTrue(child.stdout().contains("ECHO ok"), child.describe());
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesHttpUrlConnection(Path jdk) {
        try (HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, proxy + ",bypass=none", "http", target.host(), "" + target.port());
            assertOk(child);
            assertTrue(child.stdout().contains("BODY " + HttpTarget.BODY), child.describe());
            target.assertNoRejected();

            ChildJvm control = connect(jdk, null, "http", target.host(), "" + target.port());
            assertNotEquals(0, control.exitCode(), control.describe());
            assertFalse(target.rejectedSources().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesOkHttp(Path jdk) {
        try (HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, proxy + ",bypass=none", "okhttp", "localhost", "" + target.port());
            assertOk(child);
            assertTrue(child.stdout().contains("BODY " + HttpTarget.BODY), child.describe());
            target.assertNoRejected();

            ChildJvm control = connect(jdk, null, "okhttp", "localhost", "" + target.port());
            assertTrue(control.stdout().contains("STATUS 403"), control.describe());
            assertFalse(target.rejectedSources().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesThroughDanteWithSocks4(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=socks4://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    "name", "localhost", "" + target.port());
            assertOk(child);
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void loopbackIsBypassedByDefault(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.LOCALHOST)) {
            ChildJvm child = connect(jdk, proxy, "ip", target.host(), "" + target.port());
            assertOk(child);
            target.assertNoRejected();
        }
    }
}
