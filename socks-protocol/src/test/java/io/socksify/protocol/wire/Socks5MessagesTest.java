package io.socksify.protocol.wire;

import static io.socksify.protocol.wire.WireTesting.assertDecodesFromEverySplitPoint;
import static io.socksify.protocol.wire.WireTesting.assertWire;
import static io.socksify.protocol.wire.WireTesting.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class Socks5MessagesTest {

    @Test
    void greetingMatchesRfc1928() throws Exception {
        byte[] rfc = hex("""
                05        # VER
                02        # NMETHODS
                00 02     # METHODS: no authentication, username/password
                """);
        Socks5InitialRequest greeting = Socks5InitialRequest.of(Socks5AuthMethod.NO_AUTH, Socks5AuthMethod.PASSWORD);
        assertWire(rfc, greeting.toBytes(), Socks5InitialRequest::decode, greeting);
    }

    @Test
    void greetingKeepsUnknownMethods() throws Exception {
        Socks5InitialRequest greeting = Socks5InitialRequest.decode(ByteBuffer.wrap(hex("05 02 00 85")));
        assertEquals(List.of(Socks5AuthMethod.NO_AUTH, new Socks5AuthMethod(0x85)), greeting.methods());
        assertEquals("PRIVATE(0x85)", greeting.methods().get(1).toString());
    }

    @Test
    void greetingRejectsWrongVersionAndNoMethods() {
        SocksProtocolException version = assertThrows(SocksProtocolException.class,
                () -> Socks5InitialRequest.decode(ByteBuffer.wrap(hex("04 01 00"))));
        assertEquals("SOCKS5 greeting: VER is 0x04 (expected 0x05)", version.getMessage());
        SocksProtocolException none = assertThrows(SocksProtocolException.class,
                () -> Socks5InitialRequest.decode(ByteBuffer.wrap(hex("05 00"))));
        assertEquals("SOCKS5 greeting: NMETHODS is 0 (expected 1..255)", none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Socks5InitialRequest(List.of()));
    }

    @Test
    void wrongVersionIsReportedBeforeTheMessageIsComplete() {
        ByteBuffer oneByte = ByteBuffer.wrap(hex("04"));
        assertThrows(SocksProtocolException.class, () -> Socks5InitialRequest.decode(oneByte));
        assertEquals(0, oneByte.position());
    }

    @Test
    void methodSelection() throws Exception {
        Socks5InitialResponse none = new Socks5InitialResponse(Socks5AuthMethod.NO_ACCEPTABLE_METHODS);
        assertWire(hex("05 FF  # VER, METHOD: no acceptable methods"), none.toBytes(),
                Socks5InitialResponse::decode, none);
        assertThrows(SocksProtocolException.class, () -> Socks5InitialResponse.decode(ByteBuffer.wrap(hex("01 00"))));
    }

    @Test
    void passwordRequestMatchesRfc1929() throws Exception {
        byte[] rfc = hex("""
                01                 # VER of the sub-negotiation
                05 61 6C 69 63 65  # ULEN, UNAME "alice"
                03 73 33 63        # PLEN, PASSWD "s3c"
                """);
        Socks5PasswordAuthRequest request = new Socks5PasswordAuthRequest("alice", "s3c");
        assertWire(rfc, request.toBytes(), Socks5PasswordAuthRequest::decode, request);
    }

    @Test
    void passwordRequestAcceptsAnEmptyPasswordAndRejectsBadLengths() throws Exception {
        Socks5PasswordAuthRequest empty = new Socks5PasswordAuthRequest("bob", "");
        assertWire(hex("01 03 626F62 00"), empty.toBytes(), Socks5PasswordAuthRequest::decode, empty);
        assertThrows(IllegalArgumentException.class, () -> new Socks5PasswordAuthRequest("", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Socks5PasswordAuthRequest("a".repeat(256), "x"));
        IllegalArgumentException longPassword = assertThrows(IllegalArgumentException.class,
                () -> new Socks5PasswordAuthRequest("a", "p".repeat(256)));
        assertEquals("password: 256 octets (expected: 0..255)", longPassword.getMessage());
        assertThrows(SocksProtocolException.class,
                () -> Socks5PasswordAuthRequest.decode(ByteBuffer.wrap(hex("01 00 00"))));
        assertThrows(SocksProtocolException.class,
                () -> Socks5PasswordAuthRequest.decode(ByteBuffer.wrap(hex("05 01 61 00"))));
    }

    @Test
    void credentialsThatAreNotUtf8AreAProtocolErrorNotACrash() {
        byte[] request = new byte[3 + 255];
        request[0] = 0x01;
        request[1] = (byte) 255;
        java.util.Arrays.fill(request, 2, 2 + 255, (byte) 0xFF);
        request[2 + 255] = 0;
        assertThrows(SocksProtocolException.class, () -> Socks5PasswordAuthRequest.decode(ByteBuffer.wrap(request)));
    }

    @Test
    void passwordRequestNeverPrintsThePassword() {
        String text = new Socks5PasswordAuthRequest("alice", "hunter2").toString();
        assertFalse(text.contains("hunter2"), text);
        assertTrue(text.contains("alice"), text);
    }

    @Test
    void passwordRepliesWithVersionOneOrFive() throws Exception {
        assertWire(hex("01 00  # VER, STATUS success"), Socks5PasswordAuthResponse.SUCCESS.toBytes(),
                Socks5PasswordAuthResponse::decode, Socks5PasswordAuthResponse.SUCCESS);
        Socks5PasswordAuthResponse quirk = Socks5PasswordAuthResponse.decode(ByteBuffer.wrap(hex("05 00")));
        assertTrue(quirk.isSuccess());
        assertFalse(Socks5PasswordAuthResponse.decode(ByteBuffer.wrap(hex("01 01"))).isSuccess());
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> Socks5PasswordAuthResponse.decode(ByteBuffer.wrap(hex("02 00"))));
        assertEquals("SOCKS5 username/password reply: VER is 0x02 (expected 0x01 (or 0x05))", e.getMessage());
    }

    @Test
    void connectRequestWithIpv4() throws Exception {
        byte[] rfc = hex("""
                05 01 00       # VER, CMD CONNECT, RSV
                01 C0 A8 01 02 # ATYP IPv4, DST.ADDR 192.168.1.2
                01 BB          # DST.PORT 443
                """);
        Socks5CommandRequest request = new Socks5CommandRequest(Socks5CommandType.CONNECT,
                SocksAddress.ofIp(InetAddress.getByName("192.168.1.2"), 443));
        assertWire(rfc, request.toBytes(), Socks5CommandRequest::decode, request);
    }

    @Test
    void connectRequestWithIpv6() throws Exception {
        byte[] rfc = hex("""
                05 01 00                                        # VER, CMD CONNECT, RSV
                04 20010DB8000000000000000000000001             # ATYP IPv6, DST.ADDR 2001:db8::1
                00 50                                           # DST.PORT 80
                """);
        Socks5CommandRequest request = new Socks5CommandRequest(Socks5CommandType.CONNECT,
                SocksAddress.ofHost("[2001:db8::1]", 80));
        assertWire(rfc, request.toBytes(), Socks5CommandRequest::decode, request);
    }

    @Test
    void connectRequestWithDomain() throws Exception {
        byte[] rfc = hex("""
                05 01 00                          # VER, CMD CONNECT, RSV
                03 0B 6578616D706C652E636F6D      # ATYP domain, length 11, "example.com" (no NUL)
                1F 90                             # DST.PORT 8080
                """);
        Socks5CommandRequest request = new Socks5CommandRequest(Socks5CommandType.CONNECT,
                SocksAddress.ofHost("example.com", 8080));
        assertWire(rfc, request.toBytes(), Socks5CommandRequest::decode, request);
    }

    @Test
    void bindAndUdpAssociateRequests() throws Exception {
        Socks5CommandRequest bind = new Socks5CommandRequest(Socks5CommandType.BIND,
                SocksAddress.ofHost("10.0.0.1", 21));
        assertWire(hex("05 02 00 01 0A000001 0015"), bind.toBytes(), Socks5CommandRequest::decode, bind);
        Socks5CommandRequest udp = new Socks5CommandRequest(Socks5CommandType.UDP_ASSOCIATE,
                SocksAddress.unspecified());
        assertWire(hex("05 03 00 01 00000000 0000  # DST all zeros: the client's address is unknown"),
                udp.toBytes(), Socks5CommandRequest::decode, udp);
    }

    @Test
    void requestKeepsAnUnknownCommandForTheServerToRefuse() throws Exception {
        Socks5CommandRequest request = Socks5CommandRequest.decode(ByteBuffer.wrap(hex("05 09 00 01 7F000001 0050")));
        assertEquals(0x09, request.command().code());
        assertFalse(request.command().isKnown());
    }

    @Test
    void requestRejections() {
        assertEquals("SOCKS5 request: RSV is 0x01 (expected 0x00)", assertThrows(SocksProtocolException.class,
                () -> Socks5CommandRequest.decode(ByteBuffer.wrap(hex("05 01 01 01 7F000001 0050")))).getMessage());
        assertEquals("SOCKS5 request: ATYP is 0x02 (expected 0x01, 0x03 or 0x04)",
                assertThrows(SocksProtocolException.class,
                        () -> Socks5CommandRequest.decode(ByteBuffer.wrap(hex("05 01 00 02 7F000001 0050"))))
                        .getMessage());
        assertEquals("SOCKS5 request: domain name length is 0 (expected 1..255)",
                assertThrows(SocksProtocolException.class,
                        () -> Socks5CommandRequest.decode(ByteBuffer.wrap(hex("05 01 00 03 00 0050")))).getMessage());
        assertThrows(SocksProtocolException.class,
                () -> Socks5CommandRequest.decode(ByteBuffer.wrap(hex("05 01 00 03 03 61 00 62 0050"))));
        assertThrows(SocksProtocolException.class,
                () -> Socks5CommandRequest.decode(ByteBuffer.wrap(hex("04 01 00 01 7F000001 0050"))));
    }

    @Test
    void repliesOfEveryAddressType() throws Exception {
        Socks5CommandResponse v4 = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                SocksAddress.ofHost("127.0.0.1", 1080));
        assertWire(hex("05 00 00 01 7F000001 0438  # VER, REP succeeded, RSV, BND 127.0.0.1:1080"), v4.toBytes(),
                Socks5CommandResponse::decode, v4);
        Socks5CommandResponse v6 = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                SocksAddress.ofHost("::1", 1080));
        assertWire(hex("05 00 00 04 00000000000000000000000000000001 0438"), v6.toBytes(),
                Socks5CommandResponse::decode, v6);
        Socks5CommandResponse domain = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                SocksAddress.ofHost("proxy.local", 1));
        assertWire(hex("05 00 00 03 0B 70726F78792E6C6F63616C 0001"), domain.toBytes(),
                Socks5CommandResponse::decode, domain);
    }

    @Test
    void everyReplyCodeButZeroIsAFailure() throws Exception {
        for (int rep = 0; rep <= 0xFF; rep++) {
            byte[] bytes = Socks5CommandResponse.failure(Socks5CommandStatus.valueOf(rep)).toBytes();
            Socks5CommandResponse reply = Socks5CommandResponse.decode(ByteBuffer.wrap(bytes));
            assertEquals(rep, reply.status().code());
            assertEquals(rep == 0, reply.status().isSuccess(), "REP " + rep);
        }
        assertEquals("UNASSIGNED(0x09)", Socks5CommandStatus.valueOf(9).toString());
        assertEquals("unassigned reply code 0x09", Socks5CommandStatus.valueOf(9).describe());
        assertEquals("CONNECTION_REFUSED(0x05)", Socks5CommandStatus.CONNECTION_REFUSED.toString());
    }

    @Test
    void replyRejections() {
        assertThrows(SocksProtocolException.class,
                () -> Socks5CommandResponse.decode(ByteBuffer.wrap(hex("00 5A 0050 7F000001"))));
        assertThrows(SocksProtocolException.class,
                () -> Socks5CommandResponse.decode(ByteBuffer.wrap(hex("05 00 FF 01 7F000001 0050"))));
        assertThrows(SocksProtocolException.class,
                () -> Socks5CommandResponse.decode(ByteBuffer.wrap(hex("05 00 00 05 7F000001 0050"))));
    }

    @Test
    void splitPointsOfAReplyWithTrailingApplicationBytes() throws Exception {
        Socks5CommandResponse reply = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                SocksAddress.ofHost("10.1.2.3", 4242));
        assertDecodesFromEverySplitPoint(reply.toBytes(), Socks5CommandResponse::decode, reply);
    }

    @Test
    void codesOutOfByteRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Socks5CommandStatus(256));
        assertThrows(IllegalArgumentException.class, () -> new Socks5AuthMethod(-1));
        assertThrows(IllegalArgumentException.class, () -> new Socks5CommandType(300));
    }
}
