package io.socksify.protocol.wire;

import static io.socksify.protocol.wire.WireTesting.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Socks5UdpHeaderTest {

    @Test
    void headerMatchesRfc1928SectionSeven() throws Exception {
        byte[] datagram = hex("""
                00 00          # RSV
                00             # FRAG: a whole datagram
                01 0A000002    # ATYP IPv4, DST.ADDR 10.0.0.2
                00 35          # DST.PORT 53
                CA FE          # DATA
                """);
        Socks5UdpHeader header = Socks5UdpHeader.of(SocksAddress.ofHost("10.0.0.2", 53));
        assertEquals(10, header.encodedLength());
        assertArrayEquals(java.util.Arrays.copyOf(datagram, 10), header.toBytes());
        ByteBuffer in = ByteBuffer.wrap(datagram);
        assertEquals(header, Socks5UdpHeader.decode(in));
        assertEquals(10, in.position());
        assertEquals(2, in.remaining());
    }

    @Test
    void headerSizesByAddressType() {
        assertEquals(22, Socks5UdpHeader.of(SocksAddress.ofHost("::1", 1)).encodedLength());
        assertEquals(7 + 11, Socks5UdpHeader.of(SocksAddress.ofHost("example.com", 1)).encodedLength());
    }

    @Test
    void domainHeadersDecode() throws Exception {
        Socks5UdpHeader header = Socks5UdpHeader.decode(ByteBuffer.wrap(hex("0000 00 03 03 616263 0001")));
        assertEquals("abc", header.address().domain());
    }

    @Test
    void fragmentsAreFlagged() throws Exception {
        assertTrue(Socks5UdpHeader.decode(ByteBuffer.wrap(hex("0000 01 01 7F000001 0001 00"))).isFragment());
    }

    @Test
    void rejections() {
        assertEquals("SOCKS5 UDP header: RSV is 0x0100 (expected 0x0000)", assertThrows(SocksProtocolException.class,
                () -> Socks5UdpHeader.decode(ByteBuffer.wrap(hex("0100 00 01 7F000001 0001")))).getMessage());
        assertEquals("SOCKS5 UDP header: datagram of 7 bytes is shorter than its header",
                assertThrows(SocksProtocolException.class,
                        () -> Socks5UdpHeader.decode(ByteBuffer.wrap(hex("0000 00 01 7F0000")))).getMessage());
        assertThrows(SocksProtocolException.class,
                () -> Socks5UdpHeader.decode(ByteBuffer.wrap(hex("0000 00 07 7F000001 0001"))));
    }
}
