package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AccessRuleTest {
    private static boolean ip(String rule, String address) {
        return AccessRule.parse(rule).matches(Peers.address(address));
    }

    @Test
    void matchesIpv4Networks() {
        assertTrue(ip("10.0.0.0/8", "10.200.3.4"));
        assertFalse(ip("10.0.0.0/8", "11.0.0.1"));
        assertTrue(ip("192.168.1.7", "192.168.1.7"));
        assertFalse(ip("192.168.1.7", "192.168.1.8"));
        assertTrue(ip("172.16.0.0/12", "172.31.255.255"));
        assertFalse(ip("172.16.0.0/12", "172.32.0.0"));
        assertTrue(ip("0.0.0.0/0", "8.8.8.8"));
        assertTrue(ip("10.1.2.3/8", "10.9.9.9"), "host bits of the network are ignored");
    }

    @Test
    void matchesIpv6NetworksAndMappedIpv4() {
        assertTrue(ip("fd00::/8", "fd12::1"));
        assertFalse(ip("fd00::/8", "fe80::1"));
        assertTrue(ip("::1/128", "::1"));
        assertFalse(ip("::/0", "1.2.3.4"), "an IPv6 rule does not match IPv4");
        assertTrue(ip("10.0.0.0/8", "::ffff:10.1.2.3"), "IPv4-mapped matches as IPv4");
    }

    @Test
    void matchesHostNames() {
        AccessRule exact = AccessRule.parse("Example.COM");
        assertTrue(exact.matchesHost("example.com"));
        assertTrue(exact.matchesHost("EXAMPLE.com."));
        assertFalse(exact.matchesHost("www.example.com"));
        AccessRule sub = AccessRule.parse("*.example.com");
        assertTrue(sub.matchesHost("www.example.com"));
        assertTrue(sub.matchesHost("a.b.example.com"));
        assertFalse(sub.matchesHost("example.com"));
        assertFalse(sub.matchesHost("badexample.com"));
        AccessRule any = AccessRule.parse("*");
        assertTrue(any.matchesHost("anything.test"));
        assertTrue(any.matches(Peers.address("1.2.3.4")));
        assertFalse(exact.matches(Peers.address("1.2.3.4")));
        assertFalse(AccessRule.parse("10.0.0.0/8").matchesHost("10.0.0.1"));
        assertTrue(AccessRule.parse("bücher.example").matchesHost("xn--bcher-kva.example"));
    }

    @Test
    void rejectsMalformedRulesNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessRule.parse("10.0.0.0/33"));
        assertEquals("rule: 10.0.0.0/33 has prefix length '33' (expected: 0..32)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AccessRule.parse("::/129"));
        assertThrows(IllegalArgumentException.class, () -> AccessRule.parse("10.0.0.0/"));
        assertThrows(IllegalArgumentException.class, () -> AccessRule.parse("10.0.0.0/-1"));
        assertThrows(IllegalArgumentException.class, () -> AccessRule.parse("host/8"));
        assertThrows(IllegalArgumentException.class, () -> AccessRule.parse(""));
        assertThrows(IllegalArgumentException.class, () -> AccessRule.parse("a.*.com"));
    }

    @Test
    void clientRulesMustBeNetworks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SocksServer.builder().allowClients("example.com"));
        assertTrue(e.getMessage().startsWith("client rule: example.com"), e.getMessage());
    }
}
