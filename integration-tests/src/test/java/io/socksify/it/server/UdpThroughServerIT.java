package io.socksify.it.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.SocksClients;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.Socks5CommandType;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** PySocks sends UDP through the embedded server's relay to an echo target that serves only 127.0.0.2. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpThroughServerIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void pySocksDatagramsAreRelayedFromTheOutgoingAddress() throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
             UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ExternalProcess python = SocksClients.pySocksUdp(server.address(), null, null, target.address(),
                    "ping-through-socksify", TIMEOUT);

            assertEquals(0, python.exitCode(), python.describe());
            assertEquals("REPLY ping-through-socksify FROM " + target.host() + " " + target.port(),
                    python.stdout().strip(), "the reply names the real sender");
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
            SessionRecord r = server.awaitRecords(1, TIMEOUT).get(0);
            assertEquals(Socks5CommandType.UDP_ASSOCIATE, r.command());
            assertEquals(1, r.datagramsFromClient());
            assertEquals(1, r.datagramsToClient());
        }
    }

    @Test
    void pySocksDatagramsAreRelayedWithUsernameAndPassword() throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .user("udpuser", "udp-pass-1").start();
             UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ExternalProcess ok = SocksClients.pySocksUdp(server.address(), "udpuser", "udp-pass-1",
                    target.address(), "ping-with-auth", TIMEOUT);
            assertEquals(0, ok.exitCode(), ok.describe());
            ExternalProcess wrong = SocksClients.pySocksUdp(server.address(), "udpuser", "nope",
                    target.address(), "must-not-arrive", Duration.ofSeconds(2));
            assertNotEquals(0, wrong.exitCode(), wrong.describe());
            assertEquals(1, target.acceptedSources().size());
            target.assertNoRejected();
            List<SessionRecord> records = server.awaitRecords(2, TIMEOUT);
            assertEquals(1, records.stream().filter(SessionRecord::succeeded).count(), records.toString());
        }
    }
}
