package io.socksify.it.udp;

import io.socksify.it.apps.udp.UdpClientApp;
import io.socksify.it.apps.udp.UdpProbeApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.Microsocks;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.Socks5CommandType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertFailed;
import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP fails closed: a proxy without UDP (microsocks answers "command not supported"), a dead proxy, a refused
 * password, a proxy that closes the association's control connection, {@code udp=block}, a multicast group and a
 * payload that no longer fits with the header each give the application a clear {@link SocketException}, and the
 * target, which would echo anything, never sees a datagram. {@code udp=direct} and the default loopback bypass send
 * directly, as the user asked.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpFailClosedIT {

    private static ChildJvm probe(Path jdk, String agent, UdpEchoTarget target, String... more) {
        String[] args = new String[3 + more.length];
        args[0] = more.length > 0 && more[0].startsWith("mode:") ? more[0].substring(5) : "once";
        args[1] = target.host();
        args[2] = Integer.toString(target.port());
        int n = 3;
        for (String m : more) {
            if (!m.startsWith("mode:")) {
                args[n++] = m;
            }
        }
        return Udp.run(UdpProbeApp.class, jdk, agent, java.util.Arrays.copyOf(args, n));
    }

    /** Nothing reached the target, from anyone: no datagram went out directly. */
    private static void assertTargetSawNothing(UdpEchoTarget target) throws InterruptedException {
        Thread.sleep(300);
        assertTrue(target.acceptedSources().isEmpty() && target.rejectedSources().isEmpty(),
                "the target received " + target.acceptedSources() + " " + target.rejectedSources());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyWithoutUdpFailsClearly(Path jdk) throws Exception {
        try (Microsocks microsocks = Microsocks.builder().start(); UdpEchoTarget target = UdpEchoTarget.acceptingAny()) {
            ChildJvm child = probe(jdk, "proxy=socks5://" + microsocks.host() + ":" + microsocks.port()
                    + ",bypass=none", target);
            assertFailed(child, SocketException.class, "socksify: cannot send UDP to 127.0.0.1:" + target.port());
            assertTrue(child.stdout().toLowerCase().contains("not supported"), child.describe());
            assertTargetSawNothing(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void deadProxyFailsClearly(Path jdk) throws Exception {
        try (UdpEchoTarget target = UdpEchoTarget.acceptingAny()) {
            ChildJvm child = probe(jdk, "proxy=socks5://127.0.0.1:" + FreePort.find() + ",bypass=none", target,
                    "mode:channel-once");
            assertFailed(child, SocketException.class, "nothing was sent directly");
            assertTargetSawNothing(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void wrongPasswordFailsClearlyWithoutShowingIt(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).user("alice", "right").start();
                UdpEchoTarget target = UdpEchoTarget.acceptingAny()) {
            ChildJvm child = probe(jdk, "proxy=socks5://alice:wrong-secret@127.0.0.1:" + server.address().getPort()
                    + ",bypass=none", target);
            assertFailed(child, SocketException.class, "nothing was sent directly");
            assertTrue(!child.stdout().contains("wrong-secret") && !child.stderr().contains("wrong-secret"),
                    child.describe());
            assertTargetSawNothing(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyClosingTheControlConnectionFailsTheNextOperation(Path jdk, @TempDir Path dir) throws Exception {
        SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
        try (UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            Path go = dir.resolve("go");
            ChildJvm child = ChildJvm.builder(UdpProbeApp.class).javaHome(jdk)
                    .agent("proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none")
                    .args("hold", target.host(), Integer.toString(target.port()), go.toString()).start();
            try {
                child.awaitStdout("READY", Duration.ofSeconds(30));
                server.close(); // ends every session: the association's control connection closes
                Thread.sleep(500);
                Files.createFile(go);
                child.awaitExit(Duration.ofSeconds(30));
                assertFailed(child, SocketException.class, "closed the control connection of this socket's UDP"
                        + " association");
                assertEquals(3, target.acceptedSources().size(), target.acceptedSources().toString());
                target.assertNoRejected();
            } finally {
                child.close();
            }
        } finally {
            server.close();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void udpBlockBlocks(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).start();
                UdpEchoTarget target = UdpEchoTarget.acceptingAny()) {
            ChildJvm child = probe(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort()
                    + ",bypass=none,udp=block", target);
            assertFailed(child, SocketException.class, "is blocked (udp=block)");
            assertTargetSawNothing(target);
            assertTrue(server.records().isEmpty(), server.records().toString());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void payloadThatNoLongerFitsWithTheHeaderIsAnError(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).start();
                UdpEchoTarget target = UdpEchoTarget.acceptingAny()) {
            // 65,507 bytes is the largest IPv4 UDP payload; the 10-byte SOCKS5 header leaves room for 65,497.
            ChildJvm child = probe(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    target, "65500");
            assertFailed(child, SocketException.class, "at most 65497 bytes fit after the 10-byte SOCKS5 header");
            assertTargetSawNothing(target);
            ChildJvm fits = probe(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    target, "65497");
            assertOk(fits);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void multicastIsAnErrorUnlessBypassed(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).start()) {
            ChildJvm child = Udp.run(UdpProbeApp.class, jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort(),
                    "channel-once", "239.255.42.42", "4242");
            assertFailed(child, SocketException.class, "multicast group 239.255.42.42:4242");
            ChildJvm bypassed = Udp.run(UdpProbeApp.class, jdk, "proxy=socks5://127.0.0.1:"
                    + server.address().getPort() + ",bypass=239.0.0.0/8", "channel-once", "239.255.42.42", "4242");
            assertOk(bypassed);
            assertTrue(server.records().isEmpty(), server.records().toString());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void udpDirectAndLoopbackBypassGoDirect(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.LOCALHOST)) {
            assertOk(probe(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort()
                    + ",bypass=none,udp=direct", target));
            ChildJvm bypassed = probe(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort(), target);
            assertOk(bypassed);
            assertEquals("/127.0.0.1:" + target.port(), value(bypassed, "SENDER"), bypassed.describe());
            assertEquals(2, target.acceptedSources().size());
            assertTrue(server.records().isEmpty(), "nothing went through the proxy: " + server.records());
        }
    }

    /**
     * JDK 17 picks {@code DatagramSocket}'s implementation once, when the class initializes: the agent fixes that
     * choice at installation, so an application that asks for the legacy implementation at run time still sends
     * through the relay; given at start, the agent refuses to run (unless {@code udp=direct}).
     */
    @Test
    void plainDatagramSocketImplOnJdk17NeverSendsDirectly() throws Exception {
        Path jdk = Jdks.jdk17();
        String plain = "jdk.net.usePlainDatagramSocketImpl=true";
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                // It answers what it turns away, so that the direct children fail on the answer, not a timeout.
                UdpEchoTarget target = UdpEchoTarget.answeringRejected(Loopback.PROXY_EXTERNAL)) {
            String proxy = "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none";
            ChildJvm child = Udp.run(jdk, proxy, "socket", target.host(), Integer.toString(target.port()), "20",
                    plain);
            assertOk(child);
            target.assertNoRejected();
            assertEquals(Socks5CommandType.UDP_ASSOCIATE,
                    server.awaitRecords(1, Duration.ofSeconds(10)).get(0).command());

            ChildJvm control = Udp.run(jdk, null, "socket", target.host(), Integer.toString(target.port()), "1",
                    plain);
            assertTrue(control.exitCode() == 3 && control.stderr().contains(" differs: "), control.describe());
            assertTrue(!target.rejectedSources().isEmpty(), "the negative control did not reach the target");

            ChildJvm atStart = ChildJvm.builder(UdpClientApp.class).javaHome(jdk).jvmArgs("-D" + plain)
                    .agent(proxy).args("socket", target.host(), Integer.toString(target.port()), "1")
                    .run(Udp.CHILD_TIMEOUT);
            assertEquals(1, atStart.exitCode(), atStart.describe());
            assertTrue(atStart.stderr().contains("usePlainDatagramSocketImpl"), atStart.describe());
            ChildJvm direct = ChildJvm.builder(UdpClientApp.class).javaHome(jdk).jvmArgs("-D" + plain)
                    .agent(proxy + ",udp=direct").args("socket", target.host(), Integer.toString(target.port()), "1")
                    .run(Udp.CHILD_TIMEOUT);
            assertTrue(direct.stderr().contains("INFO socksify"), "udp=direct starts: " + direct.describe());
        }
    }
}
