package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Dante;
import io.socksify.it.support.DanteClientLibrary;
import io.socksify.it.support.DanteGssapi;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Kdc;
import io.socksify.it.support.Loopback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves {@link DanteClientLibrary}, a third-party GSS-API (RFC 1961) client, against the GSS-API Dante: curl under
 * {@code libdsocksd.so} POSTs 1 MiB to an {@link HttpTarget} that accepts only Dante's outgoing 127.0.0.2 and gets it
 * back byte for byte, at each level; both ends log the level they agreed on.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DanteClientLibraryIT {
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(60);
    private static final int MIB = 1 << 20;
    private static Kdc kdc;

    @TempDir
    Path files;

    @BeforeAll
    static void startKdc() {
        kdc = Kdc.start();
    }

    @AfterAll
    static void stopKdc() {
        if (kdc != null) {
            kdc.close();
        }
    }

    private Path oneMebibyte() throws Exception {
        byte[] body = new byte[MIB];
        new Random(1961).nextBytes(body);
        return Files.write(files.resolve("upload.bin"), body);
    }

    @ParameterizedTest(name = "gssapi.enctype {0}")
    @ValueSource(strings = {"clear", "integrity", "confidentiality"})
    void curlUnderTheLibraryRelaysOneMebibyteEachWayThroughGssapiDante(String level) throws Exception {
        Path upload = oneMebibyte();
        Path download = files.resolve("download.bin");
        try (Dante dante = DanteGssapi.builder(kdc, level).start();
                HttpTarget target = HttpTarget.acceptingOnly(dante.externalAddress());
                DanteClientLibrary client = DanteClientLibrary.gssapi(kdc, dante.address(), level)) {
            ExternalProcess curl = client.curlPost(target.uri("/gssapi-" + level), upload, download,
                    CURL_TIMEOUT);

            String context = curl.describe() + "\n" + client.describe() + "\n" + dante.describe();
            assertEquals(0, curl.exitCode(), context);
            assertEquals("200", curl.stdout(), context);
            assertArrayEquals(Files.readAllBytes(upload), Files.readAllBytes(download), "1 MiB each way, byte-exact");
            assertEquals(Optional.of(level), client.negotiatedLevel(), context);
            assertTrue(dante.log().contains("gssapi/" + level + "%" + kdc.userPrincipal()),
                    "Dante logs the principal and the level\n" + context);
            assertEquals(1, target.requests().size(), context);
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
        }
    }

    /** The library offers exactly the configured level; Dante refuses one it does not allow; nothing goes direct. */
    @Test
    void aLevelTheProxyRefusesFailsTheConnection() throws Exception {
        Path upload = oneMebibyte();
        try (Dante dante = DanteGssapi.builder(kdc, "integrity").start();
                HttpTarget target = HttpTarget.acceptingAny();
                DanteClientLibrary client = DanteClientLibrary.gssapi(kdc, dante.address(), "clear")) {
            ExternalProcess curl = client.curlPost(target.uri("/refused"), upload, files.resolve("none.bin"),
                    CURL_TIMEOUT);

            assertNotEquals(0, curl.exitCode(), curl.describe() + "\n" + client.describe());
            assertEquals(List.of(), target.requests(), "neither through Dante nor direct\n" + client.describe());
            assertFalse(client.negotiatedLevel().isPresent(), client.describe());
            assertTrue(client.log().contains("Offering server protection \"clear\""), client.describe());
        }
    }
}
