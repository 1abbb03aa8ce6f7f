package io.socksify.protocol.client;

import static io.socksify.protocol.client.ScriptedSocksPeer.hex;
import static io.socksify.protocol.client.SocksClientHandshakeTest.ip;
import static io.socksify.protocol.client.SocksClientHandshakeTest.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.testing.StandInGssapi;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A UDP association whose control connection negotiated GSS-API at integrity or confidentiality (RFC 1961): every
 * datagram is the header and payload as one {@code MTYP} 3 message, both ways. The mechanism here is a stand-in
 * (a marker octet, the plain octets, a sum octet) so that the framing can be read in hex; real Kerberos tokens
 * through a real Dante are in integration-tests (GssapiUdpIT).
 */
class UdpAssociationProtectionTest {
    private static final InetSocketAddress RELAY = new InetSocketAddress(ip("127.0.0.1"), 4000);
    private static final InetSocketAddress DNS = new InetSocketAddress(ip("10.1.2.3"), 53);

    private static UdpAssociation association(Socks5GssapiProtectionLevel level) throws IOException {
        SocksProxy proxy = SocksProxy.of(SocksVersion.SOCKS5, RELAY);
        return new UdpAssociation(proxy, SocketChannel.open(), null, RELAY, RELAY, Socks5AuthMethod.GSSAPI,
                new GssapiProtection(new StandInGssapi().established(), level));
    }

    @Test
    void eachDatagramIsTheHeaderAndPayloadAsOneMtyp3Message() throws Exception {
        try (UdpAssociation a = association(Socks5GssapiProtectionLevel.CONFIDENTIALITY)) {
            assertEquals(Socks5AuthMethod.GSSAPI, a.authMethod());
            byte[] datagram = a.wrap(DNS, "ping".getBytes(StandardCharsets.US_ASCII), 0, 4);
            assertEquals(norm("""
                    01 03 0010                 # VER 1, MTYP 3, LEN 16
                    c1                         # the stand-in's marker: confidential
                    0000 00 01 0a010203 0035   # RSV, FRAG 0, ATYP IPv4, 10.1.2.3, DST.PORT 53
                    70696e67                   # DATA "ping"
                    f4                         # the stand-in's sum (500 mod 256)
                    """), hex(datagram));

            // The relay's answer, unwrapped in place: the position ends at the payload.
            byte[] pong = a.wrap(DNS, "pong".getBytes(StandardCharsets.US_ASCII), 0, 4);
            ByteBuffer received = ByteBuffer.allocate(100).put(pong).flip();
            assertEquals(DNS, a.unwrapReceived(received));
            byte[] payload = new byte[received.remaining()];
            received.get(payload);
            assertArrayEquals("pong".getBytes(StandardCharsets.US_ASCII), payload);
        }
    }

    @Test
    void aDatagramThatDoesNotVerifyOrIsNotWrappedIsRefused() throws Exception {
        try (UdpAssociation a = association(Socks5GssapiProtectionLevel.CONFIDENTIALITY)) {
            byte[] forged = a.wrap(DNS, new byte[] {1, 2, 3}, 0, 3);
            forged[10] ^= 1;
            SocksProtocolException tampered = assertThrows(SocksProtocolException.class,
                    () -> a.unwrapReceived(ByteBuffer.wrap(forged)));
            assertTrue(tampered.getMessage().contains("does not unwrap"), tampered.getMessage());
            // A plain SOCKS5 UDP datagram, as an unprotected relay would send it.
            assertThrows(SocksProtocolException.class,
                    () -> a.unwrapReceived(ByteBuffer.wrap(hex("0000 00 01 0a010203 0035 706f6e67"))));
        }
        try (UdpAssociation integrity = association(Socks5GssapiProtectionLevel.INTEGRITY);
                UdpAssociation strict = association(Socks5GssapiProtectionLevel.CONFIDENTIALITY)) {
            byte[] unencrypted = integrity.wrap(DNS, new byte[] {1}, 0, 1);
            assertThrows(SocksProtocolException.class, () -> strict.unwrapReceived(ByteBuffer.wrap(unencrypted)));
        }
    }

    @Test
    void theLargestPayloadLeavesRoomForTheTokenAndBiggerIsRefused() throws Exception {
        try (UdpAssociation a = association(Socks5GssapiProtectionLevel.INTEGRITY)) {
            // 65,507 octets in an IPv4 datagram: 4 of RFC 1961 header, 2 of the stand-in's overhead, 10 of SOCKS.
            assertEquals(65_507 - 4 - 2 - 10, a.maxPayload(DNS));
            assertTrue(a.datagramCapacity(DNS, 1) >= 65_507 - 4 - 2 + 4);
            byte[] largest = a.wrap(DNS, new byte[a.maxPayload(DNS)], 0, a.maxPayload(DNS));
            assertEquals(65_507, largest.length);
            byte[] tooBig = new byte[a.maxPayload(DNS) + 1];
            SocketException e = assertThrows(SocketException.class, () -> a.wrap(DNS, tooBig, 0, tooBig.length));
            assertTrue(e.getMessage().contains("payload of 65492 bytes is larger than the 65491 bytes")
                    && e.getMessage().contains("in one GSS-API integrity token"), e.getMessage());
        }
    }

    @Test
    void levelClearWrapsNothing() throws Exception {
        try (UdpAssociation a = association(Socks5GssapiProtectionLevel.CLEAR)) {
            assertNull(a.protection());
            assertEquals(norm("0000 00 01 0a010203 0035 70"), hex(a.wrap(DNS, new byte[] {0x70}, 0, 1)));
            assertEquals(65_497, a.maxPayload(DNS));
        }
        GssapiProtection protection = new GssapiProtection(new StandInGssapi().established(),
                Socks5GssapiProtectionLevel.INTEGRITY);
        try (UdpAssociation a = new UdpAssociation(SocksProxy.of(SocksVersion.SOCKS5, RELAY), SocketChannel.open(),
                null, RELAY, RELAY, Socks5AuthMethod.GSSAPI, protection)) {
            assertSame(protection, a.protection());
        }
    }
}
