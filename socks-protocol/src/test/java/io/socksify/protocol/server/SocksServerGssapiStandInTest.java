package io.socksify.protocol.server;

import static io.socksify.protocol.server.Peers.LOCALHOST;
import static io.socksify.protocol.server.Peers.OTHER_LOOPBACK;
import static io.socksify.protocol.server.Peers.concat;
import static io.socksify.protocol.server.Peers.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.testing.StandInGssapi;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The embedded server over real sockets with GSS-API through a stand-in mechanism ({@link StandInGssapi}). */
class SocksServerGssapiStandInTest {
    private final StandInGssapi mechanism = new StandInGssapi();
    private SocksServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private SocksServer.Builder builder() {
        return SocksServer.builder().port(0).gssapi(GssapiAcceptor.builder(Path.of("/nonexistent.keytab")).build()
                .mechanism(mechanism));
    }

    /** One MTYP 3 message of the stand-in (integrity). */
    static byte[] mtyp3(byte[] plain) {
        byte[] token = StandInGssapi.wrap(plain, false);
        return concat(new byte[] {1, 3, (byte) (token.length >> 8), (byte) token.length}, token);
    }

    /** GSS-API at integrity with the stand-in: context token, level. */
    static Peers.RawClient authenticate(InetSocketAddress server) throws Exception {
        Peers.RawClient c = new Peers.RawClient(server);
        c.write(hex("05 01 01")).expect("05 01");
        c.write(hex("01 01 0001 01")).expect("01 01 0000");
        byte[] level = StandInGssapi.wrap(new byte[] {1}, false);
        c.write(concat(hex("01 02 0003"), level)).expect("01 02 0003 c0 01 01");
        return c;
    }

    /** @return the plain octets of the next MTYP 3 message on the control connection */
    static byte[] readMtyp3(Peers.RawClient c) throws Exception {
        byte[] h = c.read(4);
        assertEquals(1, h[0]);
        assertEquals(3, h[1], "an MTYP 3 message");
        byte[] token = c.read(((h[2] & 0xFF) << 8) | (h[3] & 0xFF));
        return Arrays.copyOfRange(token, 1, token.length - 1);
    }

    @Test
    void aDatagramThatDoesNotVerifyDoesNotPinTheClientPort() throws Exception {
        server = builder().outgoingBindAddress(OTHER_LOOPBACK).start();
        try (Peers.UdpEchoTarget echo = new Peers.UdpEchoTarget(LOCALHOST);
             DatagramSocket spoofer = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             Peers.RawClient control = authenticate(server.address())) {
            udp.setSoTimeout(3000);
            // DST 0.0.0.0:0: the client does not know its port; the first datagram pins it.
            control.write(mtyp3(new Socks5CommandRequest(Socks5CommandType.UDP_ASSOCIATE,
                    SocksAddress.ofIp(Peers.address("0.0.0.0"), 0)).toBytes()));
            Socks5CommandResponse reply = Socks5CommandResponse.decode(ByteBuffer.wrap(readMtyp3(control)));
            assertEquals(Socks5CommandStatus.SUCCEEDED, reply.status());
            InetSocketAddress relay = reply.bound().toInetSocketAddress();
            byte[] plain = concat(new Socks5UdpHeader(0, SocksAddress.of(echo.address())).toBytes(),
                    "ping".getBytes(StandardCharsets.US_ASCII));

            // A sender on the client's IP, first, with a datagram that does not verify (sum broken).
            byte[] forged = mtyp3(plain);
            forged[forged.length - 1] ^= 1;
            spoofer.send(new DatagramPacket(forged, forged.length, relay));
            Thread.sleep(200);

            byte[] good = mtyp3(plain);
            udp.send(new DatagramPacket(good, good.length, relay));
            DatagramPacket p = new DatagramPacket(new byte[2000], 2000);
            try {
                udp.receive(p);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer: the forged datagram pinned the association to its port", e);
            }
            byte[] back = Arrays.copyOfRange(p.getData(), 0, p.getLength());
            assertEquals(1, back[0]);
            assertEquals(3, back[1], "the answer is one MTYP 3 message");
            ByteBuffer b = ByteBuffer.wrap(Arrays.copyOfRange(back, 5, back.length - 1));
            assertEquals(SocksAddress.of(echo.address()), Socks5UdpHeader.decode(b).address());
            byte[] data = new byte[b.remaining()];
            b.get(data);
            assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), data);
        }
        SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
        assertNotNull(r);
        assertEquals(StandInGssapi.PRINCIPAL, r.principal());
    }

    @Test
    void aContextTokenLargerThanTheHandshakeBufferIsReceived() throws Exception {
        server = builder().start();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 01")).expect("05 01");
            byte[] token = new byte[3000];
            token[0] = 1;
            c.write(concat(hex("01 01 0bb8"), token)).expect("01 01 0000");
            byte[] level = StandInGssapi.wrap(new byte[] {1}, false);
            c.write(concat(hex("01 02 0003"), level)).expect("01 02 0003 c0 01 01");
        }
    }

    @Test
    void anMtyp3TokenThatDoesNotVerifyDuringTheProtectedHandshakeIsAnsweredWithTheAbort() throws Exception {
        server = builder().start();
        try (Peers.RawClient c = authenticate(server.address())) {
            byte[] request = mtyp3(new Socks5CommandRequest(Socks5CommandType.CONNECT,
                    SocksAddress.ofIp(LOCALHOST, 9)).toBytes());
            request[request.length - 1] ^= 1;
            c.write(request).expect("01 ff");
            assertEquals(-1, c.in.read(), "then the connection ends");
        }
        SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
        assertNotNull(r.failure());
        assertTrue(r.failure().contains("client"), r.failure());
    }

    @Test
    void principalRulesDenyAPasswordUserAndNeedGssapiAndARealm() throws Exception {
        server = builder().user("bob", "secret").allowPrincipals("*@EXAMPLE.ORG").start();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 02")).expect("05 02");
            c.write(hex("01 03 626f62 06 736563726574")).expect("01 00");
            c.write(new Socks5CommandRequest(Socks5CommandType.CONNECT, SocksAddress.ofIp(LOCALHOST, 9)).toBytes());
            assertEquals(Socks5CommandStatus.NOT_ALLOWED, c.readSocks5Reply().status(),
                    "a password user has no principal for the rules to admit");
        }
        SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
        assertTrue(r.failure().contains("principal rules admit only GSS-API principals"), r.failure());

        IllegalStateException noGssapi = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> SocksServer.builder().user("bob", "secret").allowPrincipals("*@EXAMPLE.ORG").build());
        assertTrue(noGssapi.getMessage().contains("needs gssapi"), noGssapi.getMessage());
        IllegalArgumentException noRealm = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> SocksServer.builder().allowPrincipals("alice"));
        assertTrue(noRealm.getMessage().contains("alice has no realm"), noRealm.getMessage());
    }

    @Test
    void earlyDataBeyondTheRelayBufferAfterALargeTokenFailsTheRequestWithRep1() throws Exception {
        // A 60,000-octet context token grows the handshake buffer past the relay buffer (32 KiB by default); the
        // early data that then fits in it must not overflow the relay buffer.
        server = builder().replyDelay(Duration.ofMillis(500)).start();
        try (Peers.EchoTarget target = new Peers.EchoTarget();
             Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 01")).expect("05 01");
            byte[] token = new byte[60000];
            token[0] = 1;
            c.write(concat(hex("01 01 ea60"), token)).expect("01 01 0000");
            byte[] level = StandInGssapi.wrap(new byte[] {1}, false);
            c.write(concat(hex("01 02 0003"), level)).expect("01 02 0003 c0 01 01");
            c.write(concat(mtyp3(new Socks5CommandRequest(Socks5CommandType.CONNECT,
                    SocksAddress.of(target.address())).toBytes()), mtyp3(new byte[50000])));
            Socks5CommandResponse reply = Socks5CommandResponse.decode(ByteBuffer.wrap(readMtyp3(c)));
            assertEquals(Socks5CommandStatus.GENERAL_FAILURE, reply.status());
        }
        SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
        assertTrue(r.failure().contains("before the reply to its CONNECT"), r.failure());
    }
}
