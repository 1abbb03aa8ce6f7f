package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Dante;
import io.socksify.it.support.DanteGssapi;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Kdc;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The GSS-API peers themselves: a loopback KDC that issues tickets and a GSS-API Dante that selects method 1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GssapiPeersIT {

    @Test
    void kdcIssuesATicketFromTheUserKeytab() {
        try (Kdc kdc = Kdc.start()) {
            Path cache = kdc.kinit(Duration.ofMinutes(10));
            ExternalProcess klist = ExternalProcess.start(List.of("klist", "-c", "FILE:" + cache), kdc.environment(),
                    null).awaitExit(Duration.ofSeconds(30));
            assertEquals(0, klist.exitCode(), klist.describe());
            assertTrue(klist.stdout().contains("krbtgt/" + Kdc.REALM + "@" + Kdc.REALM), klist.describe());
            assertTrue(klist.stdout().contains(kdc.userPrincipal()), klist.describe());
        }
    }

    @Test
    void gssapiDanteSelectsTheGssapiMethodAndOnlyIt() throws Exception {
        try (Kdc kdc = Kdc.start(); Dante dante = DanteGssapi.builder(kdc, "integrity").start()) {
            try (Socket socket = new Socket(dante.host(), dante.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                out.write(new byte[] {5, 2, 0, 1});
                assertEquals(5, in.read(), dante.describe());
                assertEquals(1, in.read(), dante.describe());
            }
            try (Socket socket = new Socket(dante.host(), dante.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(new byte[] {5, 2, 0, 2});
                assertEquals(5, socket.getInputStream().read(), dante.describe());
                assertEquals(0xFF, socket.getInputStream().read(), dante.describe());
            }
            dante.assertRunning();
            assertTrue(dante.config().contains("gssapi.enctype: integrity"), dante.config());
        }
    }
}
