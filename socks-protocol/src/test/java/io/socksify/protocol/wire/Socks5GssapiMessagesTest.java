package io.socksify.protocol.wire;

import static io.socksify.protocol.wire.WireTesting.assertDecodesFromEverySplitPoint;
import static io.socksify.protocol.wire.WireTesting.assertWire;
import static io.socksify.protocol.wire.WireTesting.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class Socks5GssapiMessagesTest {

    @Test
    void contextTokenMatchesRfc1961() throws Exception {
        byte[] rfc = hex("""
                01        # ver
                01        # mtyp: context token
                00 03     # len
                60 81 AB  # token (the start of a Kerberos AP-REQ)
                """);
        Socks5GssapiContextToken token = new Socks5GssapiContextToken(hex("60 81 AB"));
        assertWire(rfc, token.toBytes(), Socks5GssapiMessage::decode, token);
        assertDecodesFromEverySplitPoint(rfc, in -> Socks5GssapiMessage.decode(in, 0x01), token);
        assertEquals(3, token.length());
    }

    @Test
    void emptyContextTokenIsWhatDanteSendsOnceEstablished() throws Exception {
        Socks5GssapiContextToken empty = new Socks5GssapiContextToken(new byte[0]);
        assertWire(hex("01 01 0000"), empty.toBytes(), Socks5GssapiMessage::decode, empty);
    }

    @Test
    void protectionMessageMatchesRfc1961() throws Exception {
        byte[] rfc = hex("""
                01           # ver
                02           # mtyp: protection level
                00 04        # len
                05 04 01 FF  # token (a gss_wrap of the level octet, shortened)
                """);
        Socks5GssapiProtection level = new Socks5GssapiProtection(hex("05 04 01 FF"));
        assertWire(rfc, level.toBytes(), Socks5GssapiMessage::decode, level);
        assertDecodesFromEverySplitPoint(rfc, in -> Socks5GssapiMessage.decode(in, 0x02), level);
    }

    @Test
    void necProtectionMessageCarriesTheBareLevelOctet() throws Exception {
        Socks5GssapiProtection nec = new Socks5GssapiProtection(new byte[] {0x01});
        assertWire(hex("01 02 0001 01"), nec.toBytes(), Socks5GssapiMessage::decode, nec);
    }

    @Test
    void encapsulationMatchesRfc1961() throws Exception {
        byte[] rfc = hex("""
                01                 # ver
                03                 # mtyp: encapsulated message
                00 05              # len
                05 04 06 FF 00     # token
                """);
        Socks5GssapiEncapsulation wrapped = new Socks5GssapiEncapsulation(hex("05 04 06 FF 00"));
        assertWire(rfc, wrapped.toBytes(), Socks5GssapiMessage::decode, wrapped);
        assertDecodesFromEverySplitPoint(rfc, in -> Socks5GssapiMessage.decode(in, 0x03), wrapped);
    }

    @Test
    void abortMatchesRfc1961AndIsAcceptedWhereverAMessageIsExpected() throws Exception {
        byte[] rfc = hex("01 FF  # ver, mtyp: abort (no len, no token)");
        assertWire(rfc, Socks5GssapiAbort.INSTANCE.toBytes(), Socks5GssapiMessage::decode, Socks5GssapiAbort.INSTANCE);
        for (int mtyp = 1; mtyp <= 3; mtyp++) {
            assertSame(Socks5GssapiAbort.INSTANCE, Socks5GssapiMessage.decode(ByteBuffer.wrap(rfc), mtyp));
        }
        assertSame(Socks5GssapiAbort.INSTANCE, Socks5GssapiMessage.decodeWhole(ByteBuffer.wrap(rfc), "datagram"));
    }

    @Test
    void largestTokenHasLenFfff() throws Exception {
        byte[] token = new byte[0xFFFF];
        token[0xFFFE] = 0x42;
        byte[] bytes = new Socks5GssapiEncapsulation(token).toBytes();
        assertArrayEquals(hex("01 03 FFFF"), java.util.Arrays.copyOf(bytes, 4));
        Socks5GssapiEncapsulation decoded = (Socks5GssapiEncapsulation) Socks5GssapiMessage.decode(
                ByteBuffer.wrap(bytes));
        assertArrayEquals(token, decoded.token());
    }

    @Test
    void tokensOver65535OctetsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Socks5GssapiEncapsulation(new byte[0x10000]));
        assertEquals("Socks5GssapiEncapsulation: a token of 65536 octets (expected: at most 65535, RFC 1961 LEN is "
                + "two octets)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Socks5GssapiContextToken(new byte[0x10000]));
        assertThrows(IllegalArgumentException.class, () -> new Socks5GssapiProtection(new byte[0x10000]));
    }

    @Test
    void tokensAreCopiedInAndOut() {
        byte[] token = hex("01 02 03");
        Socks5GssapiContextToken message = new Socks5GssapiContextToken(token);
        token[0] = 9;
        message.token()[1] = 9;
        assertArrayEquals(hex("01 02 03"), message.token());
        assertEquals("Socks5GssapiContextToken[3 octets]", message.toString());
        assertFalse(message.equals(new Socks5GssapiEncapsulation(hex("01 02 03"))));
    }

    @Test
    void wrongVersionIsRejectedFromTheFirstOctet() {
        ByteBuffer oneByte = ByteBuffer.wrap(hex("05"));
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> Socks5GssapiMessage.decode(oneByte));
        assertEquals("RFC 1961 message: VER is 0x05 (expected 0x01)", e.getMessage());
        assertEquals(0, oneByte.position());
    }

    @Test
    void unknownMtypIsRejectedBeforeLen() {
        ByteBuffer twoBytes = ByteBuffer.wrap(hex("01 04"));
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> Socks5GssapiMessage.decode(twoBytes));
        assertEquals("RFC 1961 message: MTYP is 0x04 (expected 0x01, 0x02, 0x03 or 0xFF)", e.getMessage());
        assertEquals(0, twoBytes.position());
        assertThrows(SocksProtocolException.class, () -> Socks5GssapiMessage.decode(ByteBuffer.wrap(hex("01 00"))));
    }

    @Test
    void anotherMtypThanTheExpectedOneIsRejected() {
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> Socks5GssapiMessage.decode(ByteBuffer.wrap(hex("01 03")), 0x01));
        assertEquals("RFC 1961 message: MTYP is 0x03 (expected 0x01 or 0xFF (abort))", e.getMessage());
    }

    @Test
    void lenBeyondTheStreamWaitsForMore() throws Exception {
        ByteBuffer partial = ByteBuffer.wrap(hex("01 01 0005 AABB"));
        assertNull(Socks5GssapiMessage.decode(partial));
        assertEquals(0, partial.position());
    }

    @Test
    void lenBeyondADatagramIsRejected() {
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> Socks5GssapiMessage.decodeWhole(ByteBuffer.wrap(hex("01 03 0005 AABB")), "UDP datagram"));
        assertEquals("UDP datagram: LEN is 5 but 2 octets follow it", e.getMessage());
        SocksProtocolException shorter = assertThrows(SocksProtocolException.class,
                () -> Socks5GssapiMessage.decodeWhole(ByteBuffer.wrap(hex("01 03 0001 AABB")), "UDP datagram"));
        assertEquals("UDP datagram: LEN is 1 but 2 octets follow it", shorter.getMessage());
        assertThrows(SocksProtocolException.class,
                () -> Socks5GssapiMessage.decodeWhole(ByteBuffer.wrap(hex("01 03 00")), "UDP datagram"));
        assertThrows(SocksProtocolException.class,
                () -> Socks5GssapiMessage.decodeWhole(ByteBuffer.wrap(hex("01 FF 00")), "UDP datagram"));
    }

    @Test
    void wholeDatagramDecodes() throws Exception {
        ByteBuffer datagram = ByteBuffer.wrap(hex("01 03 0002 AABB"));
        assertEquals(new Socks5GssapiEncapsulation(hex("AABB")),
                Socks5GssapiMessage.decodeWhole(datagram, "UDP datagram"));
        assertFalse(datagram.hasRemaining());
    }

    @Test
    void protectionLevels() {
        assertEquals("CLEAR(0x00)", Socks5GssapiProtectionLevel.valueOf(0).toString());
        assertFalse(Socks5GssapiProtectionLevel.CLEAR.encapsulates());
        assertTrue(Socks5GssapiProtectionLevel.INTEGRITY.encapsulates());
        assertFalse(Socks5GssapiProtectionLevel.INTEGRITY.confidential());
        assertTrue(Socks5GssapiProtectionLevel.CONFIDENTIALITY.confidential());
        assertEquals("PER_MESSAGE(0x03)", Socks5GssapiProtectionLevel.valueOf(3).toString());
        assertEquals("UNKNOWN(0x07)", Socks5GssapiProtectionLevel.valueOf(7).toString());
        assertThrows(IllegalArgumentException.class, () -> new Socks5GssapiProtectionLevel(256));
    }
}
