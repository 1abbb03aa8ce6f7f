package io.socksify.it.agent;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.FtpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.agent.Apps.connect;
import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ftp://} URLs: the JDK's FTP client is no {@code NetworkClient} and builds its control and passive data
 * sockets with {@code new Socket(Proxy.NO_PROXY)}; both must go through the proxy. The FTP target serves only
 * 127.0.0.2, where socksify's server (in the test JVM) sends from.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FtpUrlIT {
    private static final String CONTENT = "a file only the proxy may fetch";

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesControlAndPassiveDataConnections(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                FtpTarget target = FtpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL, ConnectApp.FTP_USER,
                        ConnectApp.FTP_PASSWORD, ConnectApp.FTP_FILE, CONTENT.getBytes(StandardCharsets.UTF_8))) {
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    "ftp", target.host(), "" + target.port());
            assertOk(child);
            assertTrue(child.stdout().contains("BODY " + CONTENT), child.describe());
            target.assertNoRejected();
            assertEquals(2, target.acceptedSources().size(), "control and data: " + target.acceptedSources());
            assertTrue(target.commands().contains("PASV"), target.commands().toString());

            List<SessionRecord> records = server.awaitRecords(2, Duration.ofSeconds(10));
            assertTrue(records.stream().allMatch(SessionRecord::succeeded), records.toString());

            ChildJvm control = connect(jdk, null, "ftp", target.host(), "" + target.port());
            assertNotEquals(0, control.exitCode(), control.describe());
            assertFalse(target.rejectedSources().isEmpty(), "the negative control reached the target directly");
        }
    }
}
