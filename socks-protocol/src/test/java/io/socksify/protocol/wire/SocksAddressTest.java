package io.socksify.protocol.wire;

import static io.socksify.protocol.wire.WireTesting.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class SocksAddressTest {

    @Test
    void ipLiteralsAreNeverSentAsDomains() {
        assertEquals(Socks5AddressType.IPV4, SocksAddress.ofHost("10.0.0.1", 1).type());
        assertEquals(Socks5AddressType.IPV6, SocksAddress.ofHost("::1", 1).type());
        assertEquals(Socks5AddressType.IPV6, SocksAddress.ofHost("[fe80::1]", 1).type());
        assertEquals(Socks5AddressType.IPV4,
                SocksAddress.of(InetSocketAddress.createUnresolved("192.0.2.7", 5)).type());
        assertEquals(Socks5AddressType.DOMAIN, SocksAddress.ofHost("10.0.0.256", 1).type());
        assertEquals(Socks5AddressType.DOMAIN, SocksAddress.ofHost("1.2.3", 1).type());
    }

    @Test
    void ipv4OctetsWithALeadingZeroAreNotLiterals() {
        // inet_aton reads 017 as octal 15, the JDK refuses it: either way it is not 17.0.0.1.
        assertNull(SocksAddress.parseLiteral("017.0.0.1"));
        assertNull(SocksAddress.parseLiteral("10.00.0.1"));
        assertNull(SocksAddress.parseLiteral("10.0.0.01"));
        assertEquals(Socks5AddressType.DOMAIN, SocksAddress.ofHost("017.0.0.1", 1).type());
        assertEquals("017.0.0.1", SocksAddress.ofHost("017.0.0.1", 1).domain());
        assertArrayEquals(new byte[] {10, 0, 0, 1}, SocksAddress.parseLiteral("10.0.0.1").getAddress());
        assertArrayEquals(new byte[] {0, 0, 0, 0}, SocksAddress.parseLiteral("0.0.0.0").getAddress());
    }

    @Test
    void unresolvedAddressesStayNamesWithoutALookup() {
        SocksAddress address = SocksAddress.of(InetSocketAddress.createUnresolved("only.the.proxy.knows", 80));
        assertTrue(address.isDomain());
        assertEquals("only.the.proxy.knows:80", address.toString());
        InetSocketAddress back = address.toInetSocketAddress();
        assertTrue(back.isUnresolved());
        assertEquals("only.the.proxy.knows", back.getHostString());
    }

    @Test
    void internationalNamesGoOutAsAscii() {
        assertEquals("xn--bcher-kva.example", SocksAddress.ofHost("bücher.example", 80).domain());
    }

    @Test
    void domainLengthIsBounded() {
        String label = "a".repeat(63);
        String name255 = String.join(".", label, label, label, label);
        assertEquals(255, name255.length());
        assertEquals(255, SocksAddress.ofHost(name255, 1).domain().length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SocksAddress.ofHost(name255 + ".b", 1));
        assertTrue(e.getMessage().startsWith("host: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SocksAddress.ofHost("", 1));
    }

    @Test
    void portIsChecked() {
        assertEquals("port: 70000 (expected: 0..65535)",
                assertThrows(IllegalArgumentException.class, () -> SocksAddress.ofHost("a", 70000)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> SocksAddress.ofHost("a", -1));
    }

    @Test
    void ipv4MappedIpv6KeepsItsFamilyOnTheWire() throws Exception {
        byte[] wire = hex("04 00000000000000000000FFFF7F000001 0050");
        SocksAddress address = SocksAddress.decode(ByteBuffer.wrap(wire), "test");
        assertTrue(address.ip() instanceof Inet6Address);
        ByteBuffer out = ByteBuffer.allocate(address.encodedLength());
        address.encode(out);
        assertArrayEquals(wire, out.array());
    }

    @Test
    void wildcardAndUnspecified() throws Exception {
        assertTrue(SocksAddress.unspecified().isWildcard());
        assertTrue(SocksAddress.ofHost("::", 0).isWildcard());
        assertFalse(SocksAddress.ofIp(InetAddress.getLoopbackAddress(), 0).isWildcard());
        assertFalse(SocksAddress.ofHost("example.com", 0).isWildcard());
    }

    @Test
    void aPeerSendingAnIpLiteralAsADomainGetsAnIp() throws Exception {
        SocksAddress address = SocksAddress.decode(ByteBuffer.wrap(hex("03 09 3132372E302E302E31 0050")), "test");
        assertFalse(address.isDomain());
        assertEquals(InetAddress.getByName("127.0.0.1"), address.ip());
    }

    @Test
    void incompleteAddressLeavesThePosition() throws Exception {
        ByteBuffer in = ByteBuffer.wrap(hex("03 05 6162"));
        assertNull(SocksAddress.decode(in, "test"));
        assertEquals(0, in.position());
    }
}
