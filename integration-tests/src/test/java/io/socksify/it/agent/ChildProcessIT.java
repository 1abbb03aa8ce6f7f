package io.socksify.it.agent;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.apps.SpawnApp;
import io.socksify.it.apps.nio.NioClientApp;
import io.socksify.it.apps.udp.UdpClientApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Executables;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code children=inherit}: a JVM under the agent starts a child JVM ({@code ProcessBuilder}: a {@code Socket};
 * {@code Runtime.exec}: a {@code SocketChannel}, then a {@code DatagramSocket}) and curl; all of it arrives through socksify's server in
 * the test JVM (which sends from 127.0.0.2, the only source the targets accept) with the parent's credentials.
 * With {@code children=none} the same children go direct and are turned away.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChildProcessIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private static List<String> children(Path jdk, TcpEchoTarget tcp, UdpEchoTarget udp, HttpTarget http) {
        String java = Jdks.javaExecutable(jdk).toString();
        String cp = ChildJvm.testClasspath();
        List<String> args = new ArrayList<>(List.of(
                // The application's own JAVA_TOOL_OPTIONS for this child must be kept.
                "env:JAVA_TOOL_OPTIONS=-Dchild.own=kept",
                java, "-cp", cp, ConnectApp.class.getName(), "ip", "127.0.0.1", "" + tcp.port(), ";;",
                java, "-cp", cp, NioClientApp.class.getName(), "blocking", "127.0.0.1", "" + tcp.port(), ";;",
                java, "-cp", cp, UdpClientApp.class.getName(), "socket", "127.0.0.1", "" + udp.port(), "3", ";;",
                Executables.curl().toString(), "-sS", "--max-time", "20", http.uri().toString()));
        return args;
    }

    private static ChildJvm parent(Path jdk, String options, List<String> args) {
        return ChildJvm.builder(SpawnApp.class).javaHome(jdk).agent(options).args(args.toArray(new String[0]))
                .run(TIMEOUT);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void childJvmsAndCurlGoThroughTheProxy(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .user("alice", "s3cret,@:").start();
                TcpEchoTarget tcp = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                UdpEchoTarget udp = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            String password = "s3cret%2C%40%3A";
            ChildJvm parent = parent(jdk, "proxy=socks5://alice:" + password + "@127.0.0.1:"
                    + server.address().getPort() + ",bypass=none", children(jdk, tcp, udp, http));
            String out = parent.stdout();
            for (int i = 0; i < 4; i++) {
                assertTrue(out.contains("EXIT " + i + " 0"), "child " + i + " failed\n" + parent.describe());
            }
            assertTrue(out.contains("BODY " + HttpTarget.BODY.strip()) || out.contains(HttpTarget.BODY.strip()),
                    parent.describe());
            assertTrue(out.contains("ECHOED 3"), parent.describe());
            // The child JVMs ran the agent (one INFO line each), kept their own option and never showed the password.
            String err = parent.stderr();
            assertEquals(4, err.lines().filter(l -> l.startsWith("INFO socksify - socksify ")).count(),
                    parent.describe());
            assertTrue(err.contains("Picked up JAVA_TOOL_OPTIONS: ") && err.contains("-Dchild.own=kept"),
                    parent.describe());
            assertFalse(err.contains("s3cret") || out.contains("s3cret"), parent.describe());
            tcp.assertNoRejected();
            udp.assertNoRejected();
            http.assertNoRejected();
            assertEquals(2, tcp.acceptedSources().size());
            assertEquals(1, http.requests().size());
            List<SessionRecord> records = server.awaitRecords(4, Duration.ofSeconds(10));
            assertTrue(records.stream().allMatch(r -> "alice".equals(r.user()) && r.succeeded()), records.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void childrenNoneLeavesTheirEnvironmentAlone(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget tcp = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                UdpEchoTarget udp = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            List<String> args = children(jdk, tcp, udp, http);
            ChildJvm parent = parent(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort()
                    + ",bypass=none,children=none", args);
            String out = parent.stdout();
            for (int i = 0; i < 3; i++) {
                assertTrue(out.contains("EXIT " + i + " 3"), "child " + i + " should fail direct\n" + parent.describe());
            }
            assertFalse(out.contains(HttpTarget.BODY.strip()), parent.describe());
            assertFalse(parent.stderr().contains("INFO socksify - socksify routing"), parent.describe());
            assertEquals(1, parent.stderr().lines().filter(l -> l.startsWith("INFO socksify - socksify ")).count(),
                    "only the parent ran the agent\n" + parent.describe());
            tcp.awaitRejected(2, Duration.ofSeconds(10));
            assertEquals(0, tcp.acceptedSources().size());
            assertEquals(0, udp.acceptedSources().size());
            assertEquals(0, http.requests().stream().filter(r -> r.status() == 200).count(), http.requests().toString());
            assertEquals(List.of(), server.records());
            assertNotEquals(0, http.rejectedSources().size() + http.requests().size(), "curl reached the target direct");
        }
    }
}
