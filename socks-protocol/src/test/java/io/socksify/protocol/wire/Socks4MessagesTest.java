package io.socksify.protocol.wire;

import static io.socksify.protocol.wire.WireTesting.assertWire;
import static io.socksify.protocol.wire.WireTesting.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Socks4MessagesTest {

    @Test
    void socks4Connect() throws Exception {
        byte[] wire = hex("""
                04 01        # VN, CD CONNECT
                00 50        # DSTPORT 80
                C0 A8 00 01  # DSTIP 192.168.0.1
                66 72 65 64  # USERID "fred"
                00           # NULL
                """);
        Socks4CommandRequest request = new Socks4CommandRequest(Socks4CommandType.CONNECT,
                SocksAddress.ofHost("192.168.0.1", 80), "fred");
        assertFalse(request.isSocks4a());
        assertWire(wire, request.toBytes(), Socks4CommandRequest::decode, request);
    }

    @Test
    void socks4aCarriesTheHostName() throws Exception {
        byte[] wire = hex("""
                04 01                         # VN, CD CONNECT
                01 BB                         # DSTPORT 443
                00 00 00 01                   # DSTIP 0.0.0.1: the host name follows
                00                            # empty USERID, NULL
                6578616D706C652E6F7267 00     # "example.org", NULL
                """);
        Socks4CommandRequest request = new Socks4CommandRequest(Socks4CommandType.CONNECT,
                SocksAddress.ofHost("example.org", 443), "");
        assertTrue(request.isSocks4a());
        assertWire(wire, request.toBytes(), Socks4CommandRequest::decode, request);
    }

    @Test
    void onlyZeroZeroZeroNonZeroMeansSocks4a() throws Exception {
        // 0.0.0.0 is an address (a BIND without one), not the 4a marker: nothing follows the user id.
        Socks4CommandRequest zero = Socks4CommandRequest.decode(ByteBuffer.wrap(hex("04 02 0015 00000000 00")));
        assertFalse(zero.isSocks4a());
        // 0.0.1.1 is an ordinary address too.
        Socks4CommandRequest notMarker = Socks4CommandRequest.decode(ByteBuffer.wrap(hex("04 01 0050 00000101 00")));
        assertEquals(InetAddress.getByName("0.0.1.1"), notMarker.destination().ip());
        // 0.0.0.255 is the marker: without the host name the request is incomplete.
        assertNull(Socks4CommandRequest.decode(ByteBuffer.wrap(hex("04 01 0050 000000FF 00"))));
    }

    @Test
    void ipv6CannotBeCarried() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Socks4CommandRequest(Socks4CommandType.CONNECT, SocksAddress.ofHost("::1", 80), ""));
        assertTrue(e.getMessage().contains("SOCKS4 and 4a cannot carry IPv6"), e.getMessage());
    }

    @Test
    void userIdAndHostNameAreBounded() {
        byte[] longUser = new byte[8 + 300];
        System.arraycopy(hex("04 01 0050 7F000001"), 0, longUser, 0, 8);
        java.util.Arrays.fill(longUser, 8, longUser.length, (byte) 'a');
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> Socks4CommandRequest.decode(ByteBuffer.wrap(longUser)));
        assertEquals("SOCKS4 request: USERID is longer than 255 octets without a terminating NUL", e.getMessage());

        byte[] longHost = new byte[9 + 300];
        System.arraycopy(hex("04 01 0050 00000001 00"), 0, longHost, 0, 9);
        java.util.Arrays.fill(longHost, 9, longHost.length, (byte) 'h');
        assertThrows(SocksProtocolException.class, () -> Socks4CommandRequest.decode(ByteBuffer.wrap(longHost)));
        assertThrows(SocksProtocolException.class,
                () -> Socks4CommandRequest.decode(ByteBuffer.wrap(hex("04 01 0050 00000001 00 00"))));
        assertThrows(IllegalArgumentException.class, () -> new Socks4CommandRequest(Socks4CommandType.CONNECT,
                SocksAddress.ofHost("1.2.3.4", 80), "x".repeat(256)));
    }

    @Test
    void userIdThatIsNotUtf8IsAProtocolErrorNotACrash() {
        byte[] request = new byte[8 + 200 + 1];
        System.arraycopy(hex("04 01 0050 7F000001"), 0, request, 0, 8);
        java.util.Arrays.fill(request, 8, 8 + 200, (byte) 0xFF);
        ByteBuffer in = ByteBuffer.wrap(request);
        SocksProtocolException e = assertThrows(SocksProtocolException.class, () -> Socks4CommandRequest.decode(in));
        assertTrue(e.getMessage().contains("USERID"), e.getMessage());
        assertEquals(0, in.position());
    }

    @Test
    void utf8UserIdRoundTrips() throws Exception {
        Socks4CommandRequest request = new Socks4CommandRequest(Socks4CommandType.CONNECT,
                SocksAddress.ofHost("10.0.0.1", 1), "jürgen");
        assertEquals(request, Socks4CommandRequest.decode(ByteBuffer.wrap(request.toBytes())));
    }

    @Test
    void requestRejectsWrongVersion() {
        assertEquals("SOCKS4 request: VN is 0x05 (expected 0x04)", assertThrows(SocksProtocolException.class,
                () -> Socks4CommandRequest.decode(ByteBuffer.wrap(hex("05 01 0050 7F000001 00")))).getMessage());
    }

    @Test
    void replies() throws Exception {
        byte[] wire = hex("""
                00           # VN 0
                5A           # CD 90 granted
                04 38        # DSTPORT 1080
                7F 00 00 01  # DSTIP 127.0.0.1
                """);
        Socks4CommandResponse reply = new Socks4CommandResponse(Socks4CommandStatus.GRANTED,
                InetAddress.getByName("127.0.0.1"), 1080);
        assertWire(wire, reply.toBytes(), Socks4CommandResponse::decode, reply);
        Socks4CommandResponse rejected = Socks4CommandResponse.decode(ByteBuffer.wrap(hex("00 5B 0000 00000000")));
        assertEquals(Socks4CommandStatus.REJECTED_OR_FAILED, rejected.status());
        assertFalse(rejected.status().isSuccess());
        assertEquals("IDENTD_MISMATCH(0x5D)", Socks4CommandStatus.valueOf(93).toString());
        assertFalse(Socks4CommandStatus.valueOf(0x00).isSuccess());
    }

    @Test
    void replyVersionFourIsTolerated() throws Exception {
        assertTrue(Socks4CommandResponse.decode(ByteBuffer.wrap(hex("04 5A 0050 7F000001"))).status().isSuccess());
        assertEquals("SOCKS4 reply: VN is 0x05 (expected 0x00)", assertThrows(SocksProtocolException.class,
                () -> Socks4CommandResponse.decode(ByteBuffer.wrap(hex("05 5A 0050 7F000001")))).getMessage());
    }
}
