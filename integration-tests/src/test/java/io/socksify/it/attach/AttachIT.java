package io.socksify.it.attach;

import io.socksify.it.apps.attach.ExchangeLoopApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * socksify attached to a running application that was started without it. The application exchanges bytes with two
 * targets over a fresh {@code Socket}, {@code SocketChannel} and {@code DatagramChannel} each round. Target a accepts
 * only proxy A's outgoing address (127.0.0.2), target b only proxy B's (127.0.0.3); both refuse 127.0.0.1, where a
 * direct connection comes from. So "a ok, b fail" proves a connection went through A, and "both fail" with
 * rejections from 127.0.0.1 proves it went direct.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttachIT {
    private static final InetAddress PROXY_B_EXTERNAL = Loopback.address("127.0.0.3");
    private static final Duration ROUND = Duration.ofSeconds(30);

    private SocksServer proxyA;
    private SocksServer proxyB;
    private TcpEchoTarget tcpA;
    private TcpEchoTarget tcpB;
    private UdpEchoTarget udpA;
    private UdpEchoTarget udpB;
    /** Where each app keeps one connection, opened at its start, as a pool would; accepts every source. */
    private TcpEchoTarget kept;

    @BeforeAll
    void start() throws IOException {
        proxyA = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
        proxyB = SocksServer.builder().port(0).outgoingBindAddress(PROXY_B_EXTERNAL).start();
        tcpA = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
        tcpB = TcpEchoTarget.acceptingOnly(PROXY_B_EXTERNAL);
        udpA = UdpEchoTarget.answeringRejected(Loopback.PROXY_EXTERNAL);
        udpB = UdpEchoTarget.answeringRejected(PROXY_B_EXTERNAL);
        kept = TcpEchoTarget.acceptingAny();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {proxyA, proxyB, tcpA, tcpB, udpA, udpB, kept}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // Best effort.
            }
        }
    }

    /** The CLI on one JDK, the application on another: every combination of 17 and 25. */
    Stream<Arguments> cliAndApp() {
        Path jdk17 = Jdks.jdk17();
        Path jdk25 = Jdks.jdk25();
        return Stream.of(Arguments.of(jdk17, jdk17), Arguments.of(jdk25, jdk25), Arguments.of(jdk17, jdk25),
                Arguments.of(jdk25, jdk17));
    }

    @ParameterizedTest(name = "cli {0}, app {1}")
    @MethodSource("cliAndApp")
    void attachRoutesReattachSwitchesProxyOffGoesDirectOnRoutesAgain(Path cli, Path appJdk) {
        try (ChildJvm app = startApp(appJdk)) {
            long pid = app.pid();

            Map<String, String> before = Rounds.next(app, ROUND);
            assertAll(before, "fail", "fail", app);
            assertTrue(tcpA.rejectedSources().stream().anyMatch(s -> s.getAddress().equals(Loopback.LOCALHOST)));

            ExternalProcess attach = SocksifyCli.run(cli, "attach", "" + pid, proxy(proxyA), "bypass=none");
            attach.assertExitCode(0);
            assertTrue(attach.stdout().contains("routing through " + proxy(proxyA).substring(6)), attach.describe());
            assertAll(Rounds.next(app, ROUND), "ok", "fail", app);

            int statusRoutedBefore = counter(status(cli, pid), "ConnectionsRouted");
            assertTrue(statusRoutedBefore > 0, "routed connections counted");

            ExternalProcess reattach = SocksifyCli.run(cli, "attach", "" + pid, proxy(proxyB) + ",bypass=none");
            reattach.assertExitCode(0);
            assertAll(Rounds.next(app, ROUND), "fail", "ok", app);

            String status = status(cli, pid);
            assertTrue(status.contains("Proxy: " + proxy(proxyB).substring(6)), status);
            assertTrue(status.contains("Configurations: 2"), status);
            assertTrue(counter(status, "ConnectionsRouted") > statusRoutedBefore, "counter moves: " + status);
            assertTrue(counter(status, "UdpAssociations") > 0 && counter(status, "UdpDatagramsSent") > 0
                    && counter(status, "UdpDatagramsReceived") > 0, "UDP counted: " + status);

            int directBefore = tcpB.rejectedSources().size();
            ExternalProcess off = SocksifyCli.run(cli, "attach", "" + pid, "off");
            off.assertExitCode(0);
            assertTrue(off.stdout().contains("routing off"), off.describe());
            assertAll(Rounds.next(app, ROUND), "fail", "fail", app);
            assertTrue(tcpB.rejectedSources().subList(directBefore, tcpB.rejectedSources().size()).stream()
                    .anyMatch(s -> s.getAddress().equals(Loopback.LOCALHOST)), "direct connections after off");
            String offStatus = status(cli, pid);
            assertTrue(offStatus.contains("Routing: false"), offStatus);
            // The embedded servers select no authentication: every routed connection and association counts as none.
            // Read with routing off and a whole round after the switch, so that no count moves between the reads.
            Matcher byMethod = Pattern.compile("(?m)^\\s+ConnectionsByAuthMethod: \\{gssapi=0, none=(\\d+), "
                    + "username/password=0}$").matcher(offStatus);
            assertTrue(byMethod.find(), offStatus);
            assertEquals(counter(offStatus, "ConnectionsRouted") + counter(offStatus, "UdpAssociations"),
                    Integer.parseInt(byMethod.group(1)), offStatus);

            SocksifyCli.run(cli, "attach", "" + pid, "on").assertExitCode(0);
            assertAll(Rounds.next(app, ROUND), "fail", "ok", app);
            // The kept connection was opened before the attach: it stayed direct (from 127.0.0.1) throughout.
            assertTrue(kept.acceptedSources().stream().anyMatch(s -> s.getAddress().equals(Loopback.LOCALHOST)));

            // Each attach loaded the agent once more, yet nothing was instrumented twice: the app still works.
            assertTrue(app.process().isAlive(), app.describe());
            if (Jdks.featureVersion(appJdk).orElse(17) >= 21) {
                // JEP 451: a dynamically loaded agent is announced unless -XX:+EnableDynamicAgentLoading.
                assertTrue(app.stderr().contains("A Java agent has been loaded dynamically"), app.describe());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void badOptionIsRefusedWithItsReasonAndChangesNothing(Path jdk) {
        try (ChildJvm app = startApp(jdk)) {
            long pid = app.pid();
            ExternalProcess bad = SocksifyCli.run(jdk, "attach", "" + pid, "proxy=socks9://127.0.0.1:1080");
            assertEquals(1, bad.exitCode(), bad.describe());
            assertTrue(bad.stderr().contains("attach to " + pid + " failed")
                    && bad.stderr().contains("bad value for proxy: 'socks9://127.0.0.1:1080'"), bad.describe());
            assertAll(Rounds.next(app, ROUND), "fail", "fail", app);

            SocksifyCli.run(jdk, "attach", "" + pid, proxy(proxyA), "bypass=none").assertExitCode(0);
            ExternalProcess badAgain = SocksifyCli.run(jdk, "attach", "" + pid, proxy(proxyB), "dns=sideways");
            assertEquals(1, badAgain.exitCode(), badAgain.describe());
            assertTrue(badAgain.stderr().contains("dns") && badAgain.stderr().contains("unchanged"),
                    badAgain.describe());
            // Still through A, untouched by the refused configuration.
            assertAll(Rounds.next(app, ROUND), "ok", "fail", app);
            // The failed agentmain leaves one line on the target's stderr, no stack trace.
            assertFalse(app.stderr().contains("InvocationTargetException"), app.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void offBeforeAnyAttachIsRefused(Path jdk) {
        try (ChildJvm app = startApp(jdk)) {
            ExternalProcess off = SocksifyCli.run(jdk, "attach", "" + app.pid(), "off");
            assertEquals(1, off.exitCode(), off.describe());
            assertTrue(off.stderr().contains("not attached to this JVM"), off.describe());
            ExternalProcess status = SocksifyCli.run(jdk, "status", "" + app.pid());
            assertEquals(1, status.exitCode(), status.describe());
            assertTrue(status.stderr().contains("socksify is not in it"), status.describe());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void jcmdLoadsTheAgentAndReconfiguresItToo(Path jdk) {
        try (ChildJvm app = startApp(jdk)) {
            ExternalProcess load = SocksifyCli.jcmdAgentLoad(jdk, app.pid(), proxy(proxyA) + ",bypass=none");
            load.assertExitCode(0);
            assertTrue(load.stdout().contains("return code: 0"), load.describe());
            assertAll(Rounds.next(app, ROUND), "ok", "fail", app);
            SocksifyCli.jcmdAgentLoad(jdk, app.pid(), proxy(proxyB) + ",bypass=none").assertExitCode(0);
            assertAll(Rounds.next(app, ROUND), "fail", "ok", app);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void listShowsTheRunningApplication(Path jdk) {
        try (ChildJvm app = startApp(jdk)) {
            ExternalProcess list = SocksifyCli.run(jdk, "list");
            list.assertExitCode(0);
            assertTrue(list.stdout().lines().anyMatch(l -> l.matches(app.pid() + "\\s+"
                    + Pattern.quote(ExchangeLoopApp.class.getName()))), list.describe());
        }
    }

    /**
     * A JVM started with {@code -javaagent} is attached to like any other: status finds the MBean (registered when
     * the local JMX connector first asks for the platform MBean server), and attach reconfigures and switches off.
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void jvmStartedWithTheAgentIsReconfiguredAndSwitchedOffByAttach(Path jdk) throws Exception {
        try (ChildJvm app = startApp(jdk, proxy(proxyA) + ",bypass=none")) {
            long pid = app.pid();
            assertAll(Rounds.next(app, ROUND), "ok", "fail", app);

            String status = status(jdk, pid);
            assertTrue(status.contains("InstalledBy: premain") && status.contains("Routing: true")
                    && status.contains("Configurations: 1"), status);
            assertTrue(counter(status, "ConnectionsRouted") > 0, status);
            try (AgentMBeanClient mbean = AgentMBeanClient.connect(pid)) {
                long routed = (Long) mbean.get("ConnectionsRouted");
                Rounds.next(app, ROUND);
                assertTrue((Long) mbean.get("ConnectionsRouted") > routed, "the MBean's counter moves");
                assertEquals(proxy(proxyA).substring(6), mbean.get("Proxy"));
            }

            SocksifyCli.run(jdk, "attach", "" + pid, proxy(proxyB), "bypass=none").assertExitCode(0);
            assertAll(Rounds.next(app, ROUND), "fail", "ok", app);
            SocksifyCli.run(jdk, "attach", "" + pid, "off").assertExitCode(0);
            assertAll(Rounds.next(app, ROUND), "fail", "fail", app);
            assertTrue(status(jdk, pid).contains("Configurations: 2"));
        }
    }

    /** A runtime that can run the agent but has no jdk.attach (as a jlinked application image has none). */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void withoutJdkAttachTheCommandsSaySoAndPointToJcmd(Path jdk, @TempDir Path dir) {
        Path runtime = dir.resolve("runtime");
        ExternalProcess.run(Duration.ofSeconds(120), jdk.resolve("bin").resolve("jlink").toString(),
                "--add-modules", "java.base,java.instrument,java.management", "--output", runtime.toString())
                .assertExitCode(0);
        for (String[] command : List.of(new String[] {"attach", "1", "proxy=embedded"}, new String[] {"list"},
                new String[] {"status", "1"})) {
            ExternalProcess cli = SocksifyCli.run(runtime, command);
            assertEquals(3, cli.exitCode(), cli.describe());
            assertTrue(cli.stderr().contains("has no jdk.attach module") && cli.stderr().contains("jcmd"),
                    cli.describe());
            assertFalse(cli.stderr().contains("Exception"), cli.describe());
        }
    }

    private ChildJvm startApp(Path jdk) {
        return startApp(jdk, null);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aConfigurationOneTransportRefusesLeavesEveryTransportOnTheOldOne(Path jdk, @TempDir Path dir)
            throws Exception {
        Path trigger = dir.resolve("set-factory");
        try (ChildJvm app = startApp(jdk, null, "factory=" + trigger)) {
            long pid = app.pid();
            SocksifyCli.run(jdk, "attach", "" + pid, proxy(proxyA), "bypass=none", "udp=direct").assertExitCode(0);
            Map<String, String> before = Rounds.next(app, ROUND);
            // TCP through A; UDP direct (both UDP targets turn 127.0.0.1 away).
            for (String key : List.of("socket a", "channel a")) {
                assertOutcome(before, key, "ok", app);
            }
            for (String key : List.of("socket b", "channel b", "udp a", "udp b")) {
                assertOutcome(before, key, "fail", app);
            }
            java.nio.file.Files.createFile(trigger);
            app.awaitStdout("factory set", Duration.ofSeconds(30));

            // UDP cannot be routed with the application's factory: the whole new configuration is refused, TCP too.
            // The targets serve every test of the class: count from here.
            int udpBRejected = udpB.rejectedSources().size();
            int udpBAccepted = udpB.acceptedSources().size();
            ExternalProcess refused = SocksifyCli.run(jdk, "attach", "" + pid, proxy(proxyB), "bypass=none");
            assertEquals(1, refused.exitCode(), refused.describe());
            assertTrue(refused.stderr().contains("unchanged") && refused.stderr().contains("DatagramSocketImplFactory"),
                    refused.describe());
            for (int i = 0; i < 2; i++) {
                Map<String, String> after = Rounds.next(app, ROUND);
                assertOutcome(after, "socket a", "ok", app);
                assertOutcome(after, "channel a", "ok", app);
                assertOutcome(after, "socket b", "fail", app);
                assertOutcome(after, "channel b", "fail", app);
                assertOutcome(after, "udp a", "fail", app);
                assertOutcome(after, "udp b", "fail", app);
            }
            // UDP stayed direct: B's UDP target saw 127.0.0.1, not proxy B's address.
            assertTrue(udpB.rejectedSources().subList(udpBRejected, udpB.rejectedSources().size()).stream()
                    .anyMatch(s -> s.getAddress().equals(Loopback.LOCALHOST)), "UDP still direct");
            assertEquals(udpBAccepted, udpB.acceptedSources().size(), "nothing reached B's UDP target through proxy B");
            String status = status(jdk, pid);
            assertTrue(status.contains("Proxy: " + proxy(proxyA).substring(6)), status);
            // The route table and the proxies' health are the old state's too.
            assertTrue(status.contains("Routes:") && status.contains("default -> " + proxy(proxyA).substring(6)),
                    status);
            assertTrue(status.contains("Proxies:") && status.contains(proxy(proxyA).substring(6) + " routed="),
                    status);
            assertFalse(status.contains(hostPort(proxyB.address())), status);
        }
    }

    /** @param agentOptions with {@code -javaagent:} and these options, or null for none */
    private ChildJvm startApp(Path jdk, String agentOptions, String... extraArgs) {
        ChildJvm.Builder builder = ChildJvm.builder(ExchangeLoopApp.class);
        if (agentOptions != null) {
            builder.agent(agentOptions);
        }
        ChildJvm app = builder
                .javaHome(jdk)
                .args(java.util.stream.Stream.concat(java.util.stream.Stream.of(
                        "a=" + hostPort(tcpA.address()) + "/" + hostPort(udpA.address()),
                        "b=" + hostPort(tcpB.address()) + "/" + hostPort(udpB.address()),
                        "keep=" + hostPort(kept.address())), java.util.stream.Stream.of(extraArgs))
                        .toArray(String[]::new))
                .start();
        app.awaitStdout("ready", Duration.ofSeconds(30));
        return app;
    }

    /**
     * Every transport to a, and every transport to b, gave the expected outcome; and the connection the app kept
     * from its start still works: attaching, re-attaching and switching off leave open connections alone.
     */
    private static void assertAll(Map<String, String> round, String a, String b, ChildJvm app) {
        for (String transport : List.of("socket", "channel", "udp")) {
            assertOutcome(round, transport + " a", a, app);
            assertOutcome(round, transport + " b", b, app);
        }
        assertOutcome(round, "kept keep", "ok", app);
    }

    private static void assertOutcome(Map<String, String> round, String key, String expected, ChildJvm app) {
        String actual = round.get(key);
        assertTrue(actual != null && actual.startsWith(expected), "expected " + key + " " + expected + " in round "
                + round + "\n" + app.describe());
    }

    private static String status(Path cli, long pid) {
        ExternalProcess status = SocksifyCli.run(cli, "status", "" + pid);
        status.assertExitCode(0);
        return status.stdout();
    }

    private static int counter(String status, String name) {
        Matcher m = Pattern.compile("(?m)^\\s+" + name + ": (\\d+)$").matcher(status);
        assertTrue(m.find(), name + " in " + status);
        return Integer.parseInt(m.group(1));
    }

    private static String proxy(SocksServer server) {
        return "proxy=socks5://" + hostPort(server.address());
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
