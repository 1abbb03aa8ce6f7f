package io.socksify.it.guard;

import io.socksify.it.apps.guard.GuardApp;
import io.socksify.it.support.AgentJar;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The last-line guard in {@code sun.nio.ch.Net.connect} and the datagram send: a connect (or datagram) that reaches
 * the operating system with socksify's routing hooks bypassed ({@link GuardApp} calls the JDK's internals by
 * reflection) is refused, names the destination and the calling method, is counted in the MBean's
 * {@code LeaksBlocked} and logged at WARN once per call site; nothing reaches the targets, which accept anyone. The
 * same JVM's ordinary connections still go through Dante. Without the agent the same path reaches the targets (the
 * control: the test could fail).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LastLineGuardIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(40);
    private static final String[] OPENS = {"--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"};
    private static final String APP = GuardApp.class.getName();

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aConnectNoRouterDecidedIsRefusedCountedAndLoggedOnce(Path jdk) {
        try (Dante dante = Dante.builder().start();
                TcpEchoTarget routed = TcpEchoTarget.acceptingOnly(dante.externalAddress());
                TcpEchoTarget leak = TcpEchoTarget.acceptingAny();
                UdpEchoTarget udpLeak = UdpEchoTarget.acceptingAny()) {
            ChildJvm child = ChildJvm.builder(GuardApp.class).javaHome(jdk).jvmArgs(OPENS)
                    .agent("proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none")
                    .args(routed.host(), "" + routed.port(), leak.host(), "" + leak.port(), "" + udpLeak.port())
                    .run(TIMEOUT);
            assertOk(child);
            String tcp = " java.net.ConnectException socksify: a direct connection to " + leak.host() + ":"
                    + leak.port() + " by " + APP + ".";
            String refused = " was refused; nothing was sent";
            List<String> lines = child.stdout().lines().toList();
            assertEquals(2, lines.stream().filter(l -> l.startsWith("REFUSED connectBehindHooks" + tcp
                    + "connectBehindHooks") && l.contains(refused)).count(), child.describe());
            assertEquals(1, lines.stream().filter(l -> l.startsWith("REFUSED otherCallSite" + tcp + "otherCallSite")
                    && l.contains(refused)).count(), child.describe());
            assertEquals(1, lines.stream().filter(l -> l.startsWith("REFUSED sendBehindHooks"
                    + " java.net.SocketException socksify: a direct datagram to " + udpLeak.host() + ":"
                    + udpLeak.port() + " by " + APP + ".sendBehindHooks") && l.contains(refused)).count(),
                    child.describe());
            assertEquals("4", value(child, "LEAKS"), child.describe());

            // Logged once per call site, at WARN, with the stack.
            String stderr = child.stderr();
            assertEquals(3, count(stderr, "(logged once for this call site)"), child.describe());
            assertEquals(3, count(stderr, "WARN socksify - socksify: a direct "), child.describe());
            for (String site : List.of("connectBehindHooks", "otherCallSite", "sendBehindHooks")) {
                assertTrue(stderr.contains("\tat " + APP + "." + site + "("), site + "\n" + child.describe());
            }

            // The ordinary connections of the same JVM, before and after, went through Dante; nothing leaked.
            for (int i = 1; i <= 4; i++) {
                assertTrue(lines.contains("ROUTED " + i), child.describe());
            }
            assertEquals(4, routed.acceptedSources().size(), child.describe());
            routed.assertNoRejected();
            assertEquals(List.of(), leak.acceptedSources(), child.describe());
            assertEquals(List.of(), leak.rejectedSources(), child.describe());
            assertEquals(List.of(), udpLeak.acceptedSources(), child.describe());
            assertEquals(List.of(), udpLeak.rejectedSources(), child.describe());
        }
    }

    /**
     * A path that was used before an attach: {@code sun.nio.ch.Net} is loaded and its reflective connect reaches the
     * target while socksify is not there; after {@code socksify attach} the same call is refused and counted.
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aPathUsedBeforeAnAttachIsRefusedAfterIt(Path jdk) throws Exception {
        Path go = Files.createTempDirectory("socksify-guard").resolve("go");
        try (Dante dante = Dante.builder().start();
                TcpEchoTarget routed = TcpEchoTarget.acceptingOnly(dante.externalAddress());
                TcpEchoTarget leak = TcpEchoTarget.acceptingAny();
                UdpEchoTarget udpLeak = UdpEchoTarget.acceptingAny();
                ChildJvm app = ChildJvm.builder(GuardApp.class).javaHome(jdk)
                        .jvmArgs(OPENS[0], OPENS[1], "-XX:+EnableDynamicAgentLoading")
                        .args(routed.host(), "" + routed.port(), leak.host(), "" + leak.port(), "" + udpLeak.port(),
                                go.toString())
                        .start()) {
            app.awaitStdout("READY", TIMEOUT);
            assertTrue(app.stdout().contains("SENT beforeAttach"), app.describe());
            leak.awaitAccepted(1, Duration.ofSeconds(10));
            ExternalProcess attach = ExternalProcess.start(List.of(Jdks.javaExecutable(jdk).toString(), "-jar",
                    AgentJar.path().toString(), "attach", "" + app.pid(),
                    "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none"), Map.of(), null)
                    .awaitExit(TIMEOUT);
            attach.assertExitCode(0);
            Files.createFile(go);
            app.awaitExit(TIMEOUT);
            assertOk(app);
            List<String> lines = app.stdout().lines().toList();
            assertEquals(4, lines.stream().filter(l -> l.startsWith("REFUSED ") && l.contains(" by " + APP + ".")
                    && l.contains(" was refused; nothing was sent")).count(), app.describe());
            assertEquals("4", value(app, "LEAKS"), app.describe());
            assertEquals(3, count(app.stderr(), "(logged once for this call site)"), app.describe());
            assertEquals(4, routed.acceptedSources().size(), app.describe());
            assertEquals(1, leak.acceptedSources().size(), "only the connect before the attach\n" + app.describe());
            assertEquals(List.of(), udpLeak.acceptedSources(), app.describe());
        }
    }

    /** The control: without the agent the reflective path reaches both targets. */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void withoutTheAgentTheSamePathReachesTheTargets(Path jdk) {
        try (TcpEchoTarget leak = TcpEchoTarget.acceptingAny(); UdpEchoTarget udpLeak = UdpEchoTarget.acceptingAny()) {
            ChildJvm child = ChildJvm.builder(GuardApp.class).javaHome(jdk).jvmArgs(OPENS)
                    .args(leak.host(), "" + leak.port(), leak.host(), "" + leak.port(), "" + udpLeak.port())
                    .run(TIMEOUT);
            assertOk(child);
            List<String> lines = child.stdout().lines().toList();
            assertTrue(lines.containsAll(List.of("SENT connectBehindHooks", "SENT otherCallSite",
                    "SENT sendBehindHooks")), child.describe());
            leak.awaitAccepted(4 + 3, Duration.ofSeconds(10));
            udpLeak.awaitAccepted(1, Duration.ofSeconds(10));
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
