package io.socksify.it.agent;

import io.socksify.it.apps.OwnLibrariesApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.socksify.it.agent.Apps.assertOnlyInfoLine;
import static io.socksify.it.agent.Apps.connect;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the configuration comes from (agent options, then {@code socksify.*} properties, then the JDK's own SOCKS
 * properties), what a bad value does (one line, the JVM stops before the application runs), that a password is
 * never printed, and that an application's own Byte Buddy and slf4j are untouched.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigurationIT {
    private static final String PASSWORD = "Sup3r-S3cret";
    private Dante dante;
    private Dante danteWithUser;

    @BeforeAll
    void startDante() {
        dante = Dante.builder().start();
        danteWithUser = Dante.builder().username("socksifyit", PASSWORD).start();
    }

    @AfterAll
    void stopDante() {
        dante.close();
        danteWithUser.close();
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void jdkSocksPropertiesAreHonouredWithTheAgentAlone(Path jdk) {
        try (HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            // socksNonProxyHosts empty: the JDK's syntax for "proxy loopback too".
            List<String> jvm = List.of("-DsocksProxyHost=" + dante.host(), "-DsocksProxyPort=" + dante.port(),
                    "-DsocksNonProxyHosts=");
            ChildJvm child = connect(jdk, "", jvm, "http", target.host(), "" + target.port());
            assertOk(child);
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void jdkCredentialPropertiesAreUsed(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            List<String> jvm = List.of("-DsocksProxyHost=" + danteWithUser.host(),
                    "-DsocksProxyPort=" + danteWithUser.port(), "-DsocksNonProxyHosts=",
                    "-Djava.net.socks.username=socksifyit", "-Djava.net.socks.password=" + PASSWORD);
            ChildJvm child = connect(jdk, "log.level=debug", jvm, "ip", target.host(), "" + target.port());
            assertOk(child);
            target.assertNoRejected();
            assertFalse(child.stderr().contains(PASSWORD) || child.stdout().contains(PASSWORD), child.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesThroughDanteWithTheUsernameMethod(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=socks5h://socksifyit:" + PASSWORD + "@" + danteWithUser.host() + ":"
                    + danteWithUser.port() + ",bypass=none,log.level=debug", "name", "localhost", "" + target.port());
            assertOk(child);
            target.assertNoRejected();
            assertTrue(child.stderr().contains("socksifyit:****@"), child.describe());
            assertFalse(child.stderr().contains(PASSWORD) || child.stdout().contains(PASSWORD), child.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void systemPropertiesAloneConfigureTheAgent(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            List<String> jvm = List.of("-Dsocksify.proxy=socks5://" + dante.host() + ":" + dante.port(),
                    "-Dsocksify.bypass=none");
            ChildJvm child = connect(jdk, "", jvm, "ip", target.host(), "" + target.port());
            assertOk(child);
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void agentOptionsWinOverSystemPropertiesAndJdkProperties(Path jdk) {
        try (HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            // The properties name a proxy that is down; the agent option's proxy is the one used.
            List<String> jvm = List.of("-Dsocksify.proxy=socks5://127.0.0.1:1", "-DsocksProxyHost=127.0.0.1",
                    "-DsocksProxyPort=1", "-Dsocksify.bypass=127.0.0.0/8");
            ChildJvm child = connect(jdk, "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none", jvm,
                    "http", target.host(), "" + target.port());
            assertOk(child);
            target.assertNoRejected();
        }
    }

    static Stream<Arguments> badValues() {
        List<Arguments> cases = new ArrayList<>();
        String[][] table = {
            {"proxy=http://127.0.0.1:1", "socksify: bad value for proxy: 'http://127.0.0.1:1' (expected: socks5://"},
            {"proxy=socks5://u:" + PASSWORD + "@127.0.0.1:99999", "socksify: bad value for proxy: 'socks5://u:****@"},
            {"proxy=socks5://127.0.0.1:1,dns=sometimes", "socksify: bad value for dns: 'sometimes' (expected: remote"},
            {"proxy=socks5://127.0.0.1:1,bypass=10.0.0.0/40", "socksify: bad value for bypass: '10.0.0.0/40'"},
            {"proxy=socks5://127.0.0.1:1,connectTimeout=-5", "socksify: bad value for connectTimeout: '-5'"},
            {"proxy=socks5://127.0.0.1:1,udp=maybe", "socksify: bad value for udp: 'maybe' (expected: proxy, block"},
            {"proxy=socks5://127.0.0.1:1,log.level=chatty", "socksify: bad value for log.level: 'chatty'"},
            {"proxy=socks5://127.0.0.1:1,colour=blue", "socksify: unknown agent option colour"},
            {"", "socksify: no proxy configured"},
            {"proxy=socks5://127.0.0.1:1,routes=*.a.example->direct;*.b.example->sock5://127.0.0.1:2",
                "socksify: bad value for routes rule 2 (*.b.example->sock5://127.0.0.1:2): 'sock5://127.0.0.1:2'"
                    + " (expected: socks5://"},
            {"proxy=socks5://127.0.0.1:1>>socks5://127.0.0.1:2", "socksify: bad value for proxy: "},
            {"proxy=socks5://127.0.0.1:1,routes=@/nonexistent/socksify-routes",
                "socksify: bad value for routes: '@/nonexistent/socksify-routes' (expected: a readable file"},
        };
        for (Path jdk : Jdks.all()) {
            for (String[] row : table) {
                cases.add(Arguments.of(jdk, row[0], row[1]));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badValueStopsTheJvmWithOneLine(Path jdk, String options, String expected) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = connect(jdk, options, "ip", target.host(), "" + target.port());
            assertEquals(1, child.exitCode(), child.describe());
            List<String> lines = child.stderr().lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), child.describe());
            assertTrue(lines.get(0).startsWith(expected), child.describe());
            assertFalse(child.stdout().contains("REMOTE"), "the application must not have run\n" + child.describe());
            assertFalse(child.stderr().contains(PASSWORD), child.describe());
            assertEquals(List.of(), target.acceptedSources());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void badSystemPropertyNamesTheProperty(Path jdk) {
        ChildJvm child = connect(jdk, "", List.of("-Dsocksify.proxy=socks5://127.0.0.1:1", "-Dsocksify.dns=x"),
                "ip", "127.0.0.1", "9");
        assertEquals(1, child.exitCode(), child.describe());
        assertTrue(child.stderr().startsWith("socksify: bad value for socksify.dns: 'x'"), child.describe());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void passwordNeverPrintedEvenWhenTheProxyRejectsIt(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).user("alice", "other-password").start();
                TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = connect(jdk, "proxy=socks5://alice:" + PASSWORD + "@127.0.0.1:"
                    + server.address().getPort() + ",bypass=none,log.level=trace", "ip", target.host(),
                    "" + target.port());
            assertEquals(3, child.exitCode(), child.describe());
            assertFalse(child.stderr().contains(PASSWORD) || child.stdout().contains(PASSWORD), child.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void applicationKeepsItsOwnByteBuddyAndSlf4j(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = ChildJvm.builder(OwnLibrariesApp.class).javaHome(jdk)
                    .agent("proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none")
                    .args(target.host(), "" + target.port()).run(Apps.CHILD_TIMEOUT);
            assertOk(child);
            assertTrue(child.stdout().contains("GENERATED made by the app's Byte Buddy"), child.describe());
            assertTrue(child.stdout().contains("BYTEBUDDY net.bytebuddy.ByteBuddy from file:"), child.describe());
            assertTrue(child.stdout().contains("SLF4J org.slf4j.simple.SimpleLoggerFactory"), child.describe());
            assertTrue(child.stderr().contains("INFO app - the app's own logging"), child.describe());
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void noStrayOutput(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    "name", "localhost", "" + target.port());
            assertOk(child);
            assertOnlyInfoLine(child);
            String info = child.stderr().strip();
            assertTrue(info.contains("dns=local") && info.contains("udp=proxy") && info.contains("bypass=none"), info);
        }
    }
}
