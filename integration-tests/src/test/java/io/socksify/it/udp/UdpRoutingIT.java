package io.socksify.it.udp;

import io.socksify.it.apps.udp.UdpClientApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.Socks5CommandType;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static io.socksify.it.udp.Udp.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP goes through the proxy's relay, transparently: {@code DatagramSocket} unconnected and connected,
 * {@code DatagramChannel} blocking, connected and on a selector each echo 1,000 datagrams of mixed sizes (up to
 * 30 KiB) byte-exact off a target that serves only the proxy's outgoing address 127.0.0.2, and each reply reports the
 * target as its sender (checked in {@link UdpClientApp}). Through socksify's own server (whose record shows one
 * association and the datagram counts) and through Dante; a negative control without the agent is refused.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class UdpRoutingIT {
    static final int DATAGRAMS = 1_000;
    static final List<String> KINDS = List.of("socket", "socket-connected", "channel", "channel-connected",
            "selector");

    static Stream<Arguments> jdksAndKinds() {
        List<Arguments> all = new ArrayList<>();
        for (Path jdk : Jdks.all()) {
            for (String kind : KINDS) {
                all.add(Arguments.of(jdk, kind));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("jdksAndKinds")
    void echoesThroughTheEmbeddedServer(Path jdk, String kind) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    kind, target.host(), Integer.toString(target.port()), Integer.toString(DATAGRAMS));
            assertOk(child);
            assertEquals(Integer.toString(DATAGRAMS), value(child, "ECHOED"), child.describe());
            if (kind.endsWith("connected")) {
                assertEquals("/127.0.0.1:" + target.port(), value(child, "REMOTE"),
                        "a connected socket reports the destination, not the relay\n" + child.describe());
            }
            target.assertNoRejected();
            List<SessionRecord> records = server.awaitRecords(1, Duration.ofSeconds(10));
            assertEquals(1, records.size(), "one association per socket: " + records);
            SessionRecord record = records.get(0);
            assertEquals(Socks5CommandType.UDP_ASSOCIATE, record.command(), record.toString());
            assertTrue(record.datagramsFromClient() >= DATAGRAMS && record.datagramsToClient() >= DATAGRAMS,
                    record.toString());
        }
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("jdksAndKinds")
    void echoesThroughDante(Path jdk, String kind) throws Exception {
        try (Dante dante = Dante.builder().start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(dante.externalAddress())) {
            ChildJvm child = run(jdk, "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    kind, target.host(), Integer.toString(target.port()), Integer.toString(DATAGRAMS));
            assertOk(child);
            assertEquals(Integer.toString(DATAGRAMS), value(child, "ECHOED"), child.describe() + dante.describe());
            target.assertNoRejected();
            assertTrue(target.acceptedSources().size() >= DATAGRAMS, target.acceptedSources().size() + " datagrams");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void targetRefusesTheSameAppWithoutTheAgent(Path jdk) throws Exception {
        // The target answers what it turns away: the app fails on the answer instead of its 3 s receive timeout.
        try (UdpEchoTarget target = UdpEchoTarget.answeringRejected(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, null, "socket", target.host(), Integer.toString(target.port()), "1");
            assertNotEquals(0, child.exitCode(), child.describe());
            assertTrue(child.stderr().contains(" differs: "), child.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }
}
