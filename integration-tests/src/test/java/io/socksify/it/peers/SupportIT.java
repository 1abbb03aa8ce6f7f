package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.AgentJar;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.ThreadLeaks;
import io.socksify.it.support.TlsEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Proves the support classes themselves: JDK discovery, child JVMs, targets' source checks, no leaks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SupportIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void findsJdk17AndJdk25() {
        assertEquals(17, Jdks.featureVersion(Jdks.jdk17()).orElseThrow());
        assertTrue(Jdks.featureVersion(Jdks.jdk25()).orElseThrow() >= 25, Jdks.jdk25().toString());
        assertEquals(List.of(Jdks.jdk17(), Jdks.jdk25()), Jdks.all());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void childJvmRunsOnEachJdkAndItsOutputIsCaptured(Path javaHome) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny();
                ChildJvm child = ChildJvm.builder(EchoClientMain.class)
                        .javaHome(javaHome)
                        .args(target.host(), Integer.toString(target.port()), "hello child")
                        .start()) {
            child.awaitExit(TIMEOUT).assertExitCode(0);

            int feature = Jdks.featureVersion(javaHome).orElseThrow();
            assertTrue(child.stdout().contains("java.specification.version=" + feature + "\n"), child.describe());
            assertTrue(child.stdout().contains("echo=hello child\n"), child.describe());
            assertEquals("stderr is captured too\n", child.stderr());
            assertEquals(Loopback.LOCALHOST, target.acceptedSources().get(0).getAddress());
        }
    }

    @Test
    void childJvmWithNoLookupCannotResolveTheProxyOnlyName() throws Exception {
        Hostnames.assertProxyOnlyNameConfigured();
        assertEquals(Loopback.LOCALHOST, InetAddress.getByName(Hostnames.PROXY_ONLY), "the system resolves it");

        ChildJvm child = ChildJvm.builder(ResolveMain.class)
                .jvmArgs(Hostnames.noLookupJvmArg())
                .args(Hostnames.PROXY_ONLY, "localhost")
                .run(TIMEOUT)
                .assertExitCode(0);

        assertTrue(child.stdout().contains(Hostnames.PROXY_ONLY + " -> java.net.UnknownHostException"),
                child.describe());
        assertTrue(child.stdout().contains("localhost -> 127.0.0.1"), child.describe());
    }

    @Test
    void childJvmEnvironmentIsScrubbedOfSocksifyAndJvmOptionVariables() {
        ChildJvm.Builder builder = ChildJvm.builder(EnvMain.class)
                .env("SOCKSIFY_EXPLICIT", "set-by-test")
                .args("SOCKSIFY_EXPLICIT", "SOCKSIFY_JDK25", "JAVA_TOOL_OPTIONS", "PATH");
        assertTrue(builder.environment().containsKey("SOCKSIFY_JDK25") == (System.getenv("SOCKSIFY_JDK25") != null));

        ChildJvm child = builder.run(TIMEOUT).assertExitCode(0);

        assertTrue(child.stdout().contains("SOCKSIFY_EXPLICIT=set-by-test"), child.describe());
        assertTrue(child.stdout().contains("SOCKSIFY_JDK25=null"), child.describe());
        assertTrue(child.stdout().contains("JAVA_TOOL_OPTIONS=null"), child.describe());
        assertTrue(child.stdout().contains("PATH=/"), "the rest is inherited: " + child.describe());
    }

    @Test
    void hungChildIsKilledAndTheFailureShowsItsThreadsAndOutput() {
        try (ChildJvm child = ChildJvm.builder(HangingMain.class).start()) {
            child.awaitStderr("hanging-main started", TIMEOUT);

            AssertionError failure = assertThrows(AssertionError.class, () -> child.awaitExit(Duration.ofSeconds(1)));

            assertTrue(failure.getMessage().contains("did not exit within PT1S"), failure.getMessage());
            assertTrue(failure.getMessage().contains("hanging-main started"), failure.getMessage());
            assertTrue(failure.getMessage().contains("Full thread dump"), failure.getMessage());
            assertTrue(failure.getMessage().contains("HangingMain.main"), failure.getMessage());
            assertFalse(child.process().isAlive());
        }
    }

    @Test
    void wrongExitCodeFailsWithBothOutputs() {
        ChildJvm child = ChildJvm.builder(FailingMain.class).run(TIMEOUT);

        AssertionError failure = assertThrows(AssertionError.class, () -> child.assertExitCode(0));

        assertTrue(failure.getMessage().contains("expected exit code 0 but got 7"), failure.getMessage());
        assertTrue(failure.getMessage().contains("failing-main stdout marker"), failure.getMessage());
        assertTrue(failure.getMessage().contains("failing-main stderr marker"), failure.getMessage());
        assertTrue(failure.getMessage().contains(FailingMain.class.getName()), "the command line is shown");
    }

    @Test
    void childJvmCommandLinePutsTheAgentBeforeTheClasspath() {
        List<String> command = ChildJvm.builder("example.Main")
                .javaHome(Path.of("/jdk"))
                .jvmArgs("-Xmx64m")
                .agent(Path.of("/agent.jar"), "proxy=socks5://127.0.0.1:1080")
                .classpath("/cp")
                .args("a", "b")
                .command();

        assertEquals(List.of("/jdk/bin/java", "-Xmx64m", "-javaagent:/agent.jar=proxy=socks5://127.0.0.1:1080",
                "-cp", "/cp", "example.Main", "a", "b"), command);
    }

    @Test
    void agentJarIsConfiguredByThePomAndFailsClearlyWhenMissing() {
        String configured = System.getProperty(AgentJar.PROPERTY);
        assertTrue(configured != null && configured.endsWith("agent/target/socksify-agent.jar"), configured);
        try {
            System.setProperty(AgentJar.PROPERTY, "/nonexistent/socksify-agent.jar");
            AssertionError failure = assertThrows(AssertionError.class, AgentJar::path);
            assertTrue(failure.getMessage().contains("build it with mvn package"), failure.getMessage());
        } finally {
            System.setProperty(AgentJar.PROPERTY, configured);
        }
    }

    @Test
    void targetsServeOnlyTheirSourceRecordTheRestAndLeaveNoThreads() throws Exception {
        ThreadLeaks threads = ThreadLeaks.snapshot();
        try (TcpEchoTarget tcp = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                UdpEchoTarget udp = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TlsEchoTarget tls = TlsEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            // TCP: from 127.0.0.1 closed at once and recorded; from 127.0.0.2 echoed.
            try (Socket direct = new Socket(tcp.host(), tcp.port())) {
                direct.setSoTimeout(5_000);
                assertEquals(-1, readOrEof(direct.getInputStream()));
            }
            tcp.awaitRejected(1, TIMEOUT);
            try (Socket viaProxyAddress = connectFrom(tcp.address())) {
                assertArrayEquals(bytes("tcp"), roundTrip(viaProxyAddress, bytes("tcp")));
            }

            // UDP: from 127.0.0.1 dropped and recorded; from 127.0.0.2 echoed.
            try (DatagramSocket direct = new DatagramSocket(new InetSocketAddress(Loopback.LOCALHOST, 0));
                    DatagramSocket viaProxyAddress = new DatagramSocket(
                            new InetSocketAddress(Loopback.PROXY_EXTERNAL, 0))) {
                direct.send(new DatagramPacket(bytes("x"), 1, udp.address()));
                udp.awaitRejected(1, TIMEOUT);
                viaProxyAddress.setSoTimeout(5_000);
                viaProxyAddress.send(new DatagramPacket(bytes("udp"), 3, udp.address()));
                DatagramPacket reply = new DatagramPacket(new byte[100], 100);
                viaProxyAddress.receive(reply);
                assertEquals("udp", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8));
                assertEquals(udp.address(), reply.getSocketAddress());
            }

            // HTTP: 403 from 127.0.0.1, 200 from 127.0.0.2.
            assertTrue(httpGet(new Socket(http.host(), http.port())).startsWith("HTTP/1.1 403"));
            String ok = httpGet(connectFrom(http.address()));
            assertTrue(ok.startsWith("HTTP/1.1 200") && ok.endsWith(HttpTarget.BODY), ok);
            assertEquals(1, http.rejectedSources().size());

            // TLS: rejected before the handshake from 127.0.0.1; echoed from 127.0.0.2.
            try (SSLSocket direct = (SSLSocket) TlsEchoTarget.clientContext().getSocketFactory()
                    .createSocket(tls.host(), tls.port())) {
                direct.setSoTimeout(5_000);
                assertThrows(IOException.class, direct::startHandshake);
            }
            try (SSLSocket viaProxyAddress = (SSLSocket) TlsEchoTarget.clientContext().getSocketFactory()
                    .createSocket(tls.host(), tls.port(), Loopback.PROXY_EXTERNAL, 0)) {
                viaProxyAddress.setSoTimeout(5_000);
                assertArrayEquals(bytes("tls"), roundTrip(viaProxyAddress, bytes("tls")));
            }
            assertEquals(1, tls.rejectedSources().size());
            assertEquals(1, tls.acceptedSources().size());
        }
        threads.assertNoNewThreads(Duration.ofSeconds(5));
    }

    private static Socket connectFrom(InetSocketAddress target) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(Loopback.PROXY_EXTERNAL, 0));
        socket.connect(target, 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static byte[] roundTrip(Socket socket, byte[] message) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(message);
        out.flush();
        return socket.getInputStream().readNBytes(message.length);
    }

    private static String httpGet(Socket socket) throws IOException {
        try (socket) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(bytes("GET / HTTP/1.1\r\nHost: target\r\nConnection: close\r\n\r\n"));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int readOrEof(InputStream in) {
        try {
            return in.read();
        } catch (IOException e) {
            return -1; // a reset is as good as an EOF here
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
