package io.socksify.it.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.DanteClientLibrary;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Kdc;
import io.socksify.it.support.Loopback;
import io.socksify.protocol.server.GssapiAcceptor;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A third-party GSS-API (RFC 1961) client, curl under Dante's client library ({@link DanteClientLibrary}), through
 * the embedded server's GSS-API acceptor: 1 MiB each way byte for byte at each level, to an {@link HttpTarget} that
 * accepts only the server's outgoing 127.0.0.2; the library logs the level it agreed on and the server's record names
 * the Kerberos principal.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DanteClientThroughServerIT {
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(60);
    private static final int MIB = 1 << 20;
    private static Kdc kdc;

    @TempDir
    Path files;

    @BeforeAll
    static void startKdc() {
        kdc = Kdc.start();
        // The acceptor's Kerberos runs in this JVM, which reads one krb5.conf (refreshed at the acceptor's login).
        System.setProperty("java.security.krb5.conf", kdc.krb5Conf().toString());
    }

    @AfterAll
    static void stopKdc() {
        if (kdc != null) {
            kdc.close();
        }
        System.clearProperty("java.security.krb5.conf");
    }

    @ParameterizedTest(name = "level {0}")
    @ValueSource(strings = {"clear", "integrity", "confidentiality"})
    void curlUnderDantesLibraryRelaysOneMebibyteEachWayThroughTheEmbeddedAcceptor(String level) throws Exception {
        byte[] body = new byte[MIB];
        new Random(1961).nextBytes(body);
        Path upload = Files.write(files.resolve("upload.bin"), body);
        Path download = files.resolve("download.bin");
        GssapiAcceptor acceptor = GssapiAcceptor.builder(kdc.serverKeytab()).levels(level).refreshKrb5Config(true)
                .build();
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .gssapi(acceptor).start();
                HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                DanteClientLibrary client = DanteClientLibrary.gssapi(kdc, server.address(), level)) {
            ExternalProcess curl = client.curlPost(target.uri("/gssapi-" + level), upload, download, CURL_TIMEOUT);

            String context = curl.describe() + "\n" + client.describe() + "\n" + server.records();
            assertEquals(0, curl.exitCode(), context);
            assertEquals("200", curl.stdout(), context);
            assertArrayEquals(body, Files.readAllBytes(download), "1 MiB each way, byte-exact");
            assertEquals(Optional.of(level), client.negotiatedLevel(), context);
            assertEquals(1, target.requests().size(), context);
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertTrue(r.succeeded(), r.toString());
            assertEquals(kdc.userPrincipal(), r.principal(), r.toString());
            assertEquals(level, r.gssapiLevel().name().toLowerCase(Locale.ROOT), r.toString());
            assertTrue(r.bytesFromClient() >= MIB && r.bytesToClient() >= MIB, r.toString());
        }
    }
}
