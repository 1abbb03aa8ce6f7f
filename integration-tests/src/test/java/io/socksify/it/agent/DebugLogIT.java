package io.socksify.it.agent;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ConnectException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.socksify.it.agent.Apps.connect;
import static io.socksify.it.support.ChildApps.assertFailed;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * "Where did my connection go": at {@code log.level=debug} each connection gets one line naming the transport, the
 * destination, the route (the proxy chain and how the destination was sent, or direct and by which rule), how long
 * the proxy connect and handshake took, and the outcome.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DebugLogIT {

    /** The agent's DEBUG lines about {@code destination} (a host:port as the log prints it). */
    private static List<String> linesAbout(ChildJvm child, String destination) {
        return child.stderr().lines().filter(l -> l.startsWith("DEBUG socksify - ") && l.contains(destination))
                .filter(l -> l.contains(" -> ")).toList();
    }

    private static void assertOneLine(ChildJvm child, String destination, String regex) {
        List<String> lines = linesAbout(child, destination);
        assertEquals(1, lines.size(), "one line for the connection\n" + child.describe());
        Pattern p = Pattern.compile(regex);
        assertEquals(true, p.matcher(lines.get(0)).find(), "line " + lines.get(0) + " should match " + regex);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aRoutedConnectionNamesItsProxyAndTheHandshakeTime(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            int proxyPort = server.address().getPort();
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + proxyPort + ",bypass=none,log.level=debug",
                    "ip", "127.0.0.1", "" + target.port());
            assertOk(child);
            target.assertNoRejected();
            assertOneLine(child, "127.0.0.1:" + target.port(), "socket 127\\.0\\.0\\.1:" + target.port()
                    + " -> via socks5://127\\.0\\.0\\.1:" + proxyPort + " \\(as IP\\) in \\d+ ms$");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aDirectConnectionNamesTheRule(Path jdk) throws Exception {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            int proxyPort = FreePort.find();
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + proxyPort + ",bypass=127.0.0.0/8,"
                    + "log.level=debug", "ip", "127.0.0.1", "" + target.port());
            assertOk(child);
            assertOneLine(child, "127.0.0.1:" + target.port(), "socket 127\\.0\\.0\\.1:" + target.port()
                    + " -> direct \\(bypass 127\\.0\\.0\\.0/8\\)");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aFailedConnectionSaysWhyAndAfterHowLong(Path jdk) throws Exception {
        int deadPort = FreePort.find();
        ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + deadPort + ",bypass=none,log.level=debug",
                "ip", "127.0.0.1", "9");
        assertFailed(child, ConnectException.class, "socks5://127.0.0.1:" + deadPort);
        assertOneLine(child, "127.0.0.1:9 ",
                "socket 127\\.0\\.0\\.1:9 -> failed after \\d+ ms: .*socks5://127\\.0\\.0\\.1:" + deadPort);
    }
}
