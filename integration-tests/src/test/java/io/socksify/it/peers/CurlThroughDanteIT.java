package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Dante;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.SocksClients;
import io.socksify.it.support.SocksClients.CurlProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Proves {@link Dante} and {@link HttpTarget} with curl: traffic through Dante arrives from 127.0.0.2. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CurlThroughDanteIT {

    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(15);

    @Test
    void socks5ConnectArrivesFromDantesExternalAddress() {
        try (Dante dante = Dante.builder().start();
                HttpTarget target = HttpTarget.acceptingOnly(dante.externalAddress())) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS5, dante.address(), null, target.uri("/a"),
                    CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertEquals(HttpTarget.BODY, curl.stdout(), dante.describe());
            assertEquals(1, target.acceptedSources().size());
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
            assertTrue(dante.log().contains("tcp/connect"), dante.describe());
        }
    }

    @Test
    void socks5HostnameIsResolvedByDante() {
        Hostnames.assertProxyOnlyNameConfigured();
        try (Dante dante = Dante.builder().start();
                HttpTarget target = HttpTarget.acceptingOnly(dante.externalAddress())) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS5_HOSTNAME, dante.address(), null,
                    target.uri(Hostnames.PROXY_ONLY, "/by-name"), CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertEquals(HttpTarget.BODY, curl.stdout());
            assertEquals(Hostnames.PROXY_ONLY + ":" + target.port(), target.requests().get(0).hostHeader());
            target.assertNoRejected();
        }
    }

    /** Pins what the notes say: Dante has no SOCKS4a and takes the 0.0.0.x placeholder literally. */
    @Test
    void socks4aIsNotSupportedByDante() {
        Hostnames.assertProxyOnlyNameConfigured();
        try (Dante dante = Dante.builder().start();
                HttpTarget target = HttpTarget.acceptingAny()) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS4A, dante.address(), null,
                    target.uri(Hostnames.PROXY_ONLY, "/"), CURL_TIMEOUT);

            assertNotEquals(0, curl.exitCode(), curl.describe());
            assertEquals(List.of(), target.requests());
        }
    }

    @Test
    void socks4ConnectArrivesFromDantesExternalAddress() {
        try (Dante dante = Dante.builder().start();
                HttpTarget target = HttpTarget.acceptingOnly(dante.externalAddress())) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS4, dante.address(), null, target.uri(),
                    CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertEquals(HttpTarget.BODY, curl.stdout());
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
        }
    }

    @Test
    void directRequestIsRejectedAndRecorded() {
        try (HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ExternalProcess curl = SocksClients.curlDirect(target.uri(), CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertTrue(curl.stdout().startsWith("rejected: 127.0.0.1"), curl.describe());
            assertEquals(List.of(), target.acceptedSources());
            assertEquals(Loopback.LOCALHOST, target.rejectedSources().get(0).getAddress());
            assertEquals(403, target.requests().get(0).status());
        }
    }

    @Test
    void usernameMethodAcceptsTheSystemUsersPassword() {
        try (Dante dante = Dante.builder().username("socksit", "pw-for-dante-1").start();
                HttpTarget target = HttpTarget.acceptingOnly(dante.externalAddress())) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS5, dante.address(), "socksit:pw-for-dante-1",
                    target.uri(), CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertEquals(HttpTarget.BODY, curl.stdout(), dante.describe());
            target.assertNoRejected();
        }
    }

    @Test
    void usernameMethodRefusesAWrongPasswordAndNoCredentials() {
        try (Dante dante = Dante.builder().username("socksit", "pw-for-dante-1").start();
                HttpTarget target = HttpTarget.acceptingAny()) {
            ExternalProcess wrong = SocksClients.curl(CurlProxy.SOCKS5, dante.address(), "socksit:wrong",
                    target.uri(), CURL_TIMEOUT);
            ExternalProcess none = SocksClients.curl(CurlProxy.SOCKS5, dante.address(), null, target.uri(),
                    CURL_TIMEOUT);

            assertNotEquals(0, wrong.exitCode(), wrong.describe());
            assertNotEquals(0, none.exitCode(), none.describe());
            assertEquals(List.of(), target.requests(), "nothing may reach the target");
            assertTrue(dante.log().contains("password authentication failed"), dante.describe());
        }
    }

    @Test
    void blockedDestinationPortIsRefusedByRuleset() {
        try (HttpTarget target = HttpTarget.acceptingAny();
                Dante dante = Dante.builder().blockDestinationPort(target.port()).start()) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS5, dante.address(), null, target.uri(),
                    CURL_TIMEOUT);

            assertNotEquals(0, curl.exitCode(), curl.describe());
            // curl 7.88 ends its message with the REP code: 2, "connection not allowed by ruleset".
            assertTrue(curl.stderr().strip().endsWith("(2)"), curl.describe());
            assertEquals(List.of(), target.requests());
        }
    }
}
