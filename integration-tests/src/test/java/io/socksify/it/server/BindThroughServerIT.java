package io.socksify.it.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.socksify.it.support.Loopback;
import io.socksify.it.support.SocksClients;
import io.socksify.it.support.SocksClients.PerlBind;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.Socks5CommandType;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A BIND exchange end to end: Perl's IO::Socket::Socks as the client, a Java socket as the peer. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BindThroughServerIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @ParameterizedTest(name = "SOCKS{0}")
    @ValueSource(ints = {4, 5})
    void peerConnectsToTheBoundAddressAndTalksToTheClient(int socksVersion) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
             PerlBind client = SocksClients.perlBind(server.address(), socksVersion, Loopback.LOCALHOST, TIMEOUT)) {
            InetSocketAddress bound = client.boundAddress();
            assertEquals(Loopback.PROXY_EXTERNAL, bound.getAddress(), "the server listens on its outgoing address");
            try (Socket peer = new Socket()) {
                peer.bind(new InetSocketAddress(Loopback.LOCALHOST, 0));
                peer.connect(bound, 5_000);
                peer.setSoTimeout(10_000);
                InetSocketAddress reported = client.peerAddress();
                assertEquals(peer.getLocalPort(), reported.getPort(), "the second reply names the peer");
                assertEquals(Loopback.LOCALHOST, reported.getAddress());
                OutputStream out = peer.getOutputStream();
                out.write("hello from the peer\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(peer.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertEquals("echo:hello from the peer", in.readLine(), client.process().describe());
            }
            client.process().awaitExit(TIMEOUT).assertExitCode(0);
            SessionRecord r = server.awaitRecords(1, TIMEOUT).get(0);
            assertEquals(Socks5CommandType.BIND, r.command());
            assertEquals(socksVersion == 5 ? 0 : 90, r.reply(), r.toString());
            assertEquals("hello from the peer\n".length(), r.bytesToClient());
        }
    }
}
