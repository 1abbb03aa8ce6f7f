package io.socksify.it.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.SocksClients;
import io.socksify.it.support.SocksClients.CurlProxy;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.SocksVersion;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * curl through the embedded server with every SOCKS flavour it speaks. The server sends from 127.0.0.2 and the
 * HTTP target serves only 127.0.0.2, so a served request proves transit through the server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CurlThroughServerIT {
    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(15);

    @ParameterizedTest
    @EnumSource(CurlProxy.class)
    void curlReachesTheTargetThroughTheServer(CurlProxy flavour) throws Exception {
        boolean byName = flavour == CurlProxy.SOCKS4A || flavour == CurlProxy.SOCKS5_HOSTNAME;
        if (byName) {
            Hostnames.assertProxyOnlyNameConfigured();
        }
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
             HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            URI uri = byName ? target.uri(Hostnames.PROXY_ONLY, "/" + flavour) : target.uri("/" + flavour);
            ExternalProcess curl = SocksClients.curl(flavour, server.address(), null, uri, CURL_TIMEOUT);

            curl.assertExitCode(0);
            assertEquals(HttpTarget.BODY, curl.stdout(), curl.describe());
            target.assertNoRejected();
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertTrue(r.succeeded(), r.toString());
            assertEquals(flavour == CurlProxy.SOCKS4 ? SocksVersion.SOCKS4 : flavour == CurlProxy.SOCKS4A
                    ? SocksVersion.SOCKS4A : SocksVersion.SOCKS5, r.version());
            assertEquals(byName, r.destination().isDomain(), r.toString());
            if (byName) {
                assertEquals(Hostnames.PROXY_ONLY, r.destination().domain());
            }
            assertTrue(r.bytesToClient() > HttpTarget.BODY.length(), r.toString());
        }
    }

    @Test
    void proxyUserAuthenticatesAndWrongOrMissingCredentialsAreRefused() throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .user("alice", "wonder-1").user("bob", "builder-2").start();
             HttpTarget target = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String creds : List.of("alice:wonder-1", "bob:builder-2")) {
                ExternalProcess ok = SocksClients.curl(CurlProxy.SOCKS5_HOSTNAME, server.address(), creds,
                        target.uri(), CURL_TIMEOUT);
                ok.assertExitCode(0);
                assertEquals(HttpTarget.BODY, ok.stdout());
            }
            ExternalProcess wrong = SocksClients.curl(CurlProxy.SOCKS5, server.address(), "alice:builder-2",
                    target.uri(), CURL_TIMEOUT);
            ExternalProcess none = SocksClients.curl(CurlProxy.SOCKS5, server.address(), null, target.uri(),
                    CURL_TIMEOUT);
            ExternalProcess socks4 = SocksClients.curl(CurlProxy.SOCKS4, server.address(), "alice:wonder-1",
                    target.uri(), CURL_TIMEOUT);
            assertNotEquals(0, wrong.exitCode(), wrong.describe());
            assertNotEquals(0, none.exitCode(), none.describe());
            assertNotEquals(0, socks4.exitCode(), "SOCKS4 has no password: refused when users are configured");
            assertEquals(2, target.requests().size(), "only the authenticated requests reached the target");
            target.assertNoRejected();
            List<SessionRecord> records = server.awaitRecords(5, Duration.ofSeconds(10));
            assertEquals(2, records.stream().filter(SessionRecord::succeeded).count(), records.toString());
            assertTrue(records.stream().noneMatch(r -> r.toString().contains("wonder-1")
                    || r.toString().contains("builder-2")), "no password in records");
        }
    }

    @Test
    void curlSeesTheServersRefusalAndRulesetReplies() throws Exception {
        try (HttpTarget target = HttpTarget.acceptingAny();
             SocksServer server = SocksServer.builder().port(0).allowDestinations("10.0.0.0/8").start()) {
            ExternalProcess curl = SocksClients.curl(CurlProxy.SOCKS5, server.address(), null, target.uri(),
                    CURL_TIMEOUT);
            assertNotEquals(0, curl.exitCode(), curl.describe());
            // curl 7.88 ends its message with the REP code: 2, "connection not allowed by ruleset".
            assertTrue(curl.stderr().strip().endsWith("(2)"), curl.describe());
            assertEquals(List.of(), target.requests());
        }
    }
}
