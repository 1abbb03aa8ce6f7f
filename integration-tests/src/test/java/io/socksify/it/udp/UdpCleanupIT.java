package io.socksify.it.udp;

import io.socksify.it.apps.udp.UdpProbeApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.Socks5CommandType;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each socket's association lives exactly as long as the socket: after 1,000 sockets are opened, used for one echo
 * and closed, the server has recorded 1,000 ended associations and has none open while the application still runs,
 * and the application has no more threads than after its first socket.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UdpCleanupIT {
    private static final int SOCKETS = 1_000;

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void thousandSocketsLeaveNoAssociationOrThread(Path jdk, @TempDir Path dir) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .recordLimit(2 * SOCKETS).start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            Path exit = dir.resolve("exit");
            ChildJvm child = ChildJvm.builder(UdpProbeApp.class).javaHome(jdk)
                    .agent("proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none")
                    .args("many", target.host(), Integer.toString(target.port()), Integer.toString(SOCKETS),
                            exit.toString()).start();
            try {
                child.awaitStdout("READY", Duration.ofSeconds(150));
                List<SessionRecord> records = server.awaitRecords(SOCKETS, Duration.ofSeconds(20));
                assertEquals(SOCKETS, records.size());
                assertTrue(records.stream().allMatch(r -> r.command() == Socks5CommandType.UDP_ASSOCIATE
                        && r.succeeded() && r.datagramsFromClient() == 1), records.get(0).toString());
                assertEquals(0, server.activeSessions(), "control connections still open while the app runs");
                String[] threads = value(child, "THREADS").split(" ");
                assertEquals(threads[0], threads[1], "threads after the first socket vs after the last\n"
                        + child.describe());
                target.assertNoRejected();
                Files.createFile(exit);
                child.awaitExit(Duration.ofSeconds(20));
                assertOk(child);
            } finally {
                child.close();
            }
        }
    }
}
