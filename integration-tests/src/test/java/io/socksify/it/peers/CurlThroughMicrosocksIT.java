package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.Microsocks;
import io.socksify.it.support.SocksClients;
import io.socksify.it.support.SocksClients.CurlProxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Proves {@link Microsocks} with curl: traffic through it arrives from 127.0.0.2. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CurlThroughMicrosocksIT {

    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(15);

    @Test
    void socks5ConnectArrivesFromTheBindAddress() {
        try (Microsocks proxy = Microsocks.builder().start();
                HttpTarget target = HttpTarget.acceptingOnly(proxy.externalAddress())) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS5, proxy.address(), null, target.uri(),
                    CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertEquals(HttpTarget.BODY, curl.stdout(), proxy.describe());
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
        }
    }

    @Test
    void socks5HostnameIsResolvedByMicrosocks() {
        Hostnames.assertProxyOnlyNameConfigured();
        try (Microsocks proxy = Microsocks.builder().start();
                HttpTarget target = HttpTarget.acceptingOnly(proxy.externalAddress())) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS5_HOSTNAME, proxy.address(), null,
                    target.uri(Hostnames.PROXY_ONLY, "/"), CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertEquals(HttpTarget.BODY, curl.stdout(), proxy.describe());
            target.assertNoRejected();
        }
    }

    @Test
    void credentialsAreRequiredWhenConfigured() {
        try (Microsocks proxy = Microsocks.builder().credentials("alice", "pw-for-microsocks").start();
                HttpTarget target = HttpTarget.acceptingOnly(proxy.externalAddress())) {
            ExternalProcess right = SocksClients.curl(CurlProxy.SOCKS5, proxy.address(), "alice:pw-for-microsocks",
                    target.uri(), CURL_TIMEOUT);
            right.assertExitCode(0);
            assertEquals(HttpTarget.BODY, right.stdout(), proxy.describe());

            ExternalProcess wrong = SocksClients.curl(CurlProxy.SOCKS5, proxy.address(), "alice:wrong",
                    target.uri(), CURL_TIMEOUT);
            ExternalProcess none = SocksClients.curl(CurlProxy.SOCKS5, proxy.address(), null, target.uri(),
                    CURL_TIMEOUT);

            assertNotEquals(0, wrong.exitCode(), wrong.describe());
            assertNotEquals(0, none.exitCode(), none.describe());
            assertEquals(1, target.requests().size(), "only the authenticated request may reach the target");
            target.assertNoRejected();
        }
    }

    @Test
    void socks4IsNotSpoken() {
        try (Microsocks proxy = Microsocks.builder().start();
                HttpTarget target = HttpTarget.acceptingAny()) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS4, proxy.address(), null, target.uri(),
                    CURL_TIMEOUT);

            assertNotEquals(0, curl.exitCode(), curl.describe());
            assertEquals(List.of(), target.requests());
            proxy.assertRunning();
        }
    }
}
