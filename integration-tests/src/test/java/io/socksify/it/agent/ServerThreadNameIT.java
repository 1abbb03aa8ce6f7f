package io.socksify.it.agent;

import io.socksify.it.apps.ServerThreadNameApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded server's threads go direct, and they are known by identity: an application thread that names itself
 * like them ({@code socksify-server-<port>-evil}) is routed like any other, TCP and UDP. Routed, the targets see the
 * server's outgoing ports, never the application's own local ports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerThreadNameIT {

    private static List<Integer> ports(ChildJvm child, String protocol) {
        List<Integer> ports = new ArrayList<>();
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith(protocol + " ")) {
                ports.add(Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1).trim()));
            }
        }
        return ports;
    }

    private static List<Integer> sourcePorts(List<InetSocketAddress> sources) {
        List<Integer> ports = new ArrayList<>();
        for (InetSocketAddress s : sources) {
            ports.add(s.getPort());
        }
        return ports;
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aThreadNamedLikeTheEmbeddedServersIsRouted(Path jdk) {
        try (TcpEchoTarget tcp = TcpEchoTarget.acceptingAny(); UdpEchoTarget udp = UdpEchoTarget.acceptingAny()) {
            ChildJvm child = ChildJvm.builder(ServerThreadNameApp.class).javaHome(jdk)
                    .agent("proxy=embedded,bypass=none").args("127.0.0.1", "" + tcp.port(), "" + udp.port()).run(Duration.ofSeconds(60));
            assertEquals(0, child.exitCode(), child.describe());
            assertTrue(child.stdout().contains("DONE") && !child.stdout().contains("FAILED"), child.describe());
            assertTrue(child.stdout().contains("TCP socksify-server-"), child.describe());
            List<Integer> appTcp = ports(child, "TCP");
            List<Integer> appUdp = ports(child, "UDP");
            assertEquals(2, appTcp.size(), child.describe());
            assertEquals(2, appUdp.size(), child.describe());
            List<Integer> seenTcp = sourcePorts(tcp.acceptedSources());
            List<Integer> seenUdp = sourcePorts(udp.acceptedSources());
            assertEquals(2, seenTcp.size());
            for (int p : appTcp) {
                assertFalse(seenTcp.contains(p), "TCP from the application's own port " + p + " went direct: target"
                        + " saw " + seenTcp + "\n" + child.describe());
            }
            for (int p : appUdp) {
                assertFalse(seenUdp.contains(p), "UDP from the application's own port " + p + " went direct: target"
                        + " saw " + seenUdp + "\n" + child.describe());
            }
        }
    }
}
