package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Dante;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.SocksClients;
import io.socksify.it.support.SocksClients.PerlBind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Proves BIND through {@link Dante} with Perl's IO::Socket::Socks, and what Dante demands of the request. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BindThroughDanteIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @ParameterizedTest(name = "SOCKS{0}")
    @ValueSource(ints = {4, 5})
    void peerConnectsToTheBoundAddressAndTalksToTheClient(int socksVersion) throws IOException {
        try (Dante dante = Dante.builder().start();
                PerlBind client = SocksClients.perlBind(dante.address(), socksVersion, Loopback.LOCALHOST, TIMEOUT)) {
            InetSocketAddress bound = client.boundAddress();
            assertEquals(dante.externalAddress(), bound.getAddress(), "Dante listens on its external address");

            try (Socket peer = new Socket()) {
                peer.bind(new InetSocketAddress(Loopback.LOCALHOST, 0));
                peer.connect(bound, 5_000);
                peer.setSoTimeout(10_000);
                InetSocketAddress reportedPeer = client.peerAddress();
                assertEquals(peer.getLocalPort(), reportedPeer.getPort(), "second reply names the peer");
                OutputStream out = peer.getOutputStream();
                out.write("hello from the peer\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(peer.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertEquals("echo:hello from the peer", in.readLine(), client.process().describe());
            }
            client.process().awaitExit(TIMEOUT).assertExitCode(0);
            assertTrue(dante.log().contains("tcp/bindreply"), dante.describe());
        }
    }

    /**
     * Pins a real-world pitfall: Dante 1.4.2 takes a BIND request's 0.0.0.0 literally and refuses every peer,
     * so a client must name the address the peer will connect from.
     */
    @Test
    void danteRefusesThePeerWhenTheRequestNamesTheZeroAddress() throws IOException {
        try (Dante dante = Dante.builder().start();
                PerlBind client = SocksClients.perlBind(dante.address(), 5, InetAddress.getByName("0.0.0.0"),
                        TIMEOUT)) {
            InetSocketAddress bound = client.boundAddress();
            try (Socket peer = new Socket()) {
                peer.connect(bound, 5_000);
                peer.setSoTimeout(10_000);
                // Dante closes the peer's connection without relaying anything.
                assertEquals(-1, readOrEof(peer));
            }
            client.process().awaitExit(TIMEOUT);
            assertNotEquals(0, client.process().exitCode());
            assertTrue(client.process().stderr().contains("ACCEPT FAILED"), client.process().describe());
            assertTrue(dante.log().contains("expected bindreply from 0.0.0.0"), dante.describe());
        }
    }

    private static int readOrEof(Socket socket) {
        try {
            return socket.getInputStream().read();
        } catch (IOException e) {
            return -1; // a reset is as good as an EOF here
        }
    }
}
