package io.socksify.agent.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BypassTest {
    private static InetSocketAddress resolved(String ip, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private static InetSocketAddress named(String name, String ip, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByAddress(name, InetAddress.getByName(ip).getAddress()), port);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        // rules; host name (or -); ip (or -); port; expected match (or -)
        "localhost|127.0.0.0/8|::1; -; 127.1.2.3; 80; 127.0.0.0/8",
        "localhost|127.0.0.0/8|::1; localhost; -; 80; localhost",
        "localhost|127.0.0.0/8|::1; LOCALHOST.; -; 80; localhost",
        "localhost|127.0.0.0/8|::1; -; ::1; 80; ::1",
        "localhost|127.0.0.0/8|::1; -; 128.0.0.1; 80; -",
        "localhost|127.0.0.0/8|::1; example.com; 93.184.216.34; 80; -",
        "*.corp.example; db.corp.example; -; 5432; *.corp.example",
        "*.corp.example; a.b.CORP.example; -; 5432; *.corp.example",
        "*.corp.example; corp.example; -; 5432; -",
        "*.corp.example; xcorp.example; -; 5432; -",
        "*.corp.example:443; db.corp.example; -; 443; *.corp.example:443",
        "*.corp.example:443; db.corp.example; -; 80; -",
        "10.0.0.0/8; -; 10.200.1.1; 1; 10.0.0.0/8",
        "10.0.0.0/8; internal.example; 10.200.1.1; 1; 10.0.0.0/8",
        "10.0.0.0/8; -; 11.0.0.1; 1; -",
        "192.168.1.0/25; -; 192.168.1.127; 1; 192.168.1.0/25",
        "192.168.1.0/25; -; 192.168.1.128; 1; -",
        "192.168.1.7:22; -; 192.168.1.7; 22; 192.168.1.7:22",
        "192.168.1.7:22; -; 192.168.1.7; 23; -",
        "[2001:db8::/32]:443; -; 2001:db8:1::5; 443; [2001:db8::/32]:443",
        "[2001:db8::/32]:443; -; 2001:db9::5; 443; -",
        "2001:db8::/32; -; 2001:db8:ffff::1; 1; 2001:db8::/32",
        "[::1]:8080; -; ::1; 8080; [::1]:8080",
        "[::1]:8080; -; ::1; 8081; -",
        "fe80::/10; -; 127.0.0.1; 1; -",
        "127.*; -; 127.0.0.9; 1; 127.*",
        "127.*; localhost; 127.0.0.1; 1; 127.*",
        "web*; web01; -; 1; web*",
        "exact.example; exact.example; -; 1; exact.example",
        "exact.example; sub.exact.example; -; 1; -",
    })
    void matches(String rules, String host, String ip, int port, String expected) throws UnknownHostException {
        InetSocketAddress destination = ip.equals("-") ? InetSocketAddress.createUnresolved(host, port)
                : host.equals("-") ? resolved(ip, port) : named(host, ip, port);
        BypassRule rule = Bypass.parse("bypass", rules).match(destination);
        assertEquals(expected.equals("-") ? null : expected, rule == null ? null : rule.toString());
    }

    @Test
    void noneRoutesEverything() throws UnknownHostException {
        Bypass none = Bypass.parse("bypass", "none");
        assertTrue(none.isEmpty());
        assertNull(none.match(resolved("127.0.0.1", 80)));
        assertEquals("none", none.toString());
    }

    @Test
    void jdkSyntax() throws UnknownHostException {
        Bypass jdk = Bypass.parseJdk("socksNonProxyHosts", "*.internal|192.168.*");
        assertEquals("*.internal", jdk.match(InetSocketAddress.createUnresolved("a.internal", 1)).toString());
        assertEquals("192.168.*", jdk.match(resolved("192.168.3.4", 1)).toString());
        assertEquals("127.*", jdk.match(resolved("127.0.0.1", 1)).toString());
        assertEquals("0.0.0.0", jdk.match(resolved("0.0.0.0", 1)).toString());
        assertNull(jdk.match(resolved("8.8.8.8", 1)));
    }

    @Test
    void ipLiterals() {
        assertTrue(Bypass.isIpLiteral("1.2.3.4"));
        assertTrue(Bypass.isIpLiteral("::1"));
        assertTrue(Bypass.isIpLiteral("fe80::1%eth0"));
        assertTrue(!Bypass.isIpLiteral("example.com"));
        assertTrue(!Bypass.isIpLiteral("1.2.3"));
    }
}
