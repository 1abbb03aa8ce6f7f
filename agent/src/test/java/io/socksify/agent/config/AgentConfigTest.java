package io.socksify.agent.config;

import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.SocksVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentConfigTest {
    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static AgentConfig parse(String args, String... keyValues) {
        return AgentConfig.parse(args, props(keyValues), java.util.Map.of());
    }

    private static String failure(String args, String... keyValues) {
        return assertThrows(ConfigException.class, () -> parse(args, keyValues)).getMessage();
    }

    @Test
    void aJdkProxyHostThatLooksLikeIpv6ButIsNoneIsAConfigurationError() {
        // Found by AgentConfigFuzzTest (regression input crash-d77f6711...): was an IllegalStateException.
        for (String host : new String[] {":", "::1::", "1:2:3:4:5:6:7:8:9"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(null, AgentConfig.JDK_HOST, host));
            assertTrue(e.getMessage().contains("proxy host " + host + ": looks like an IPv6 address but is not one"),
                    e.getMessage());
        }
    }

    @Test
    void parsesSocks5WithDefaults() {
        AgentConfig c = parse("proxy=socks5://127.0.0.1:1080");
        assertEquals(SocksProxy.of(SocksVersion.SOCKS5, new InetSocketAddress("127.0.0.1", 1080)), c.proxy());
        assertEquals(DnsMode.LOCAL, c.dns());
        assertEquals(UdpMode.PROXY, c.udp());
        assertEquals(10_000, c.connectTimeoutMillis());
        assertEquals("info", c.logLevel());
        assertEquals(Bypass.DEFAULT, c.bypass().toString());
        assertEquals("proxy", c.proxySource());
    }

    @ParameterizedTest
    @CsvSource({
        "socks5://h.example:1, SOCKS5, LOCAL",
        "socks5h://h.example:1, SOCKS5, REMOTE",
        "SOCKS5H://h.example:1, SOCKS5, REMOTE",
        "socks4://h.example:1, SOCKS4, LOCAL",
        "socks4a://h.example:1, SOCKS4A, REMOTE",
    })
    void schemesSetVersionAndDnsDefault(String uri, SocksVersion version, DnsMode dns) {
        AgentConfig c = parse("proxy=" + uri);
        assertEquals(version, c.proxy().version());
        assertEquals(dns, c.dns());
        assertTrue(c.proxy().address().isUnresolved(), "a proxy host name is resolved when used, not at start");
    }

    @Test
    void parsesCredentialsWithPercentDecoding() {
        AgentConfig c = parse("proxy=socks5h://al%40ice:p%3Ass%2Cw+rd%25@[::1]:1081");
        assertEquals("al@ice", c.proxy().username());
        assertEquals("p:ss,w+rd%", c.proxy().password());
        assertEquals(new InetSocketAddress("::1", 1081), c.proxy().address());
    }

    @Test
    void passwordMayContainAtSignUnescaped() {
        AgentConfig c = parse("proxy=socks5://bob:se@cret@127.0.0.1:9");
        assertEquals("bob", c.proxy().username());
        assertEquals("se@cret", c.proxy().password());
    }

    @Test
    void socks4TakesAUserIdOnly() {
        assertEquals("joe", parse("proxy=socks4://joe@127.0.0.1:1080").proxy().username());
        String message = failure("proxy=socks4://joe:secret@127.0.0.1:1080");
        assertTrue(message.contains("SOCKS4 has a user id, no password"), message);
        assertFalse(message.contains("secret"), message);
    }

    @Test
    void portDefaultsTo1080() {
        assertEquals(1080, parse("proxy=socks5://proxy.example").proxy().address().getPort());
    }

    @Test
    void passwordNeverInToStringOrMessages() {
        AgentConfig c = parse("proxy=socks5://alice:s3cr3t@127.0.0.1:1080");
        assertFalse(c.toString().contains("s3cr3t"), c.toString());
        assertTrue(c.toString().contains("alice:****@"), c.toString());
        for (String bad : new String[] {"socks9://alice:s3cr3t@h:1", "socks5://alice:s3cr3t@h:99999",
            "socks5://alice:s3cr3t@:1", "socks5://alice:s3%ZZcr3t@h:1", "socks4://alice:s3cr3t@h:1"}) {
            String message = failure("proxy=" + bad);
            assertFalse(message.contains("s3cr3t"), message);
            assertTrue(message.contains("****"), message);
        }
        String message = failure("proxy=socks5://alice:s3cr3t@h:1,bogus");
        assertFalse(message.contains("s3cr3t"), message);
        message = failure("proxy=socks5://alice:s3cr3t@h:1,dns=maybe");
        assertFalse(message.contains("s3cr3t"), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "proxy=http://h:1; bad value for proxy: 'http://h:1' (expected: socks5://",
        "proxy=h:1; bad value for proxy: 'h:1'",
        "proxy=socks5://h:0; with a port in 1..65535",
        "proxy=socks5://h:x; with a port in 1..65535",
        "proxy=socks5://:1; the host is missing or malformed",
        "proxy=socks5://[h]:1; an IPv6 address inside [ ]",
        "proxy=socks5://h:1,dns=maybe; bad value for dns: 'maybe' (expected: remote or local)",
        "proxy=socks4://h:1,dns=remote; bad value for dns: 'remote' (expected: local with socks4://",
        "proxy=socks5://h:1,connectTimeout=0; bad value for connectTimeout: '0' (expected: a positive number",
        "proxy=socks5://h:1,connectTimeout=10s; bad value for connectTimeout: '10s'",
        "proxy=socks5://h:1,udp=maybe; bad value for udp: 'maybe' (expected: proxy, block or direct)",
        "proxy=socks5://h:1,log.level=loud; bad value for log.level: 'loud' (expected: trace, debug, info, warn",
        "proxy=socks5://h:1,bypass=a||b; bad value for bypass",
        "proxy=socks5://h:1,bypass=10.0.0.0/33; bad value for bypass: '10.0.0.0/33'",
        "proxy=socks5://h:1,bypass=host:0; bad value for bypass: 'host:0' (expected: a port in 1..65535",
        "proxy=socks5://h:1,bypass=[abc]:1; bad value for bypass: '[abc]:1' (expected: an IPv6",
        "proxy=socks5://h:1,bypass=ho st; bad value for bypass: 'ho st'",
        "proxy=socks5://h:1,bypass=h/8; bad value for bypass: 'h/8'",
        "proxy=socks5://h:1,colour=blue; unknown agent option colour (known keys: proxy, routes, bypass, dns",
        "proxy=socks5://h:1,justaword; agent option 'justaword' is not key=value",
    })
    void badValuesNameKeyValueAndExpectation(String args, String expected) {
        String message = failure(args);
        assertTrue(message.startsWith("socksify: "), message);
        assertTrue(message.contains(expected), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void noProxyIsAnError() {
        assertTrue(failure("").contains("no proxy configured"));
        assertTrue(failure(null, "socksProxyHost", " ").contains("no proxy configured"));
    }

    @Test
    void unknownSystemPropertyIsAnError() {
        String message = failure("proxy=socks5://h:1", "socksify.proxi", "x");
        assertTrue(message.contains("unknown system property socksify.proxi"), message);
    }

    @Test
    void systemPropertiesUsedAndAgentOptionsWin() {
        AgentConfig c = parse("dns=local,udp=block", "socksify.proxy", "socks5h://sys.example:1",
                "socksify.dns", "remote", "socksify.udp", "direct", "socksify.connectTimeout", "1234",
                "socksify.bypass", "none", "socksify.log.level", "DEBUG");
        assertEquals("sys.example", c.proxy().address().getHostString());
        assertEquals("socksify.proxy", c.proxySource());
        assertEquals(DnsMode.LOCAL, c.dns());
        assertEquals(UdpMode.BLOCK, c.udp());
        assertEquals(1234, c.connectTimeoutMillis());
        assertTrue(c.bypass().isEmpty());
        assertEquals("debug", c.logLevel());

        AgentConfig d = parse("proxy=socks5://args.example:2", "socksify.proxy", "socks5://sys.example:1");
        assertEquals("args.example", d.proxy().address().getHostString());
    }

    @Test
    void badSystemPropertyNamesTheProperty() {
        String message = failure(null, "socksify.proxy", "socks5://h:1", "socksify.dns", "sideways");
        assertTrue(message.contains("bad value for socksify.dns: 'sideways'"), message);
    }

    @Test
    void socksifyProxyWinsOverJdkProperties() {
        AgentConfig c = parse(null, "socksify.proxy", "socks5://mine.example:1", "socksProxyHost", "jdk.example",
                "socksNonProxyHosts", "*.jdk");
        assertEquals("mine.example", c.proxy().address().getHostString());
        assertEquals(Bypass.DEFAULT, c.bypass().toString());
    }

    @Test
    void jdkPropertiesAreTheFallback() {
        AgentConfig c = parse(null, "socksProxyHost", "jdk.example", "socksProxyPort", "1081",
                "java.net.socks.username", "u", "java.net.socks.password", "pw", "socksNonProxyHosts", "*.corp|10.*");
        assertEquals(SocksVersion.SOCKS5, c.proxy().version());
        assertEquals(InetSocketAddress.createUnresolved("jdk.example", 1081), c.proxy().address());
        assertEquals("u", c.proxy().username());
        assertEquals("pw", c.proxy().password());
        assertEquals(DnsMode.LOCAL, c.dns());
        assertEquals("socksProxyHost", c.proxySource());
        assertEquals("*.corp|10.*|" + Bypass.JDK_DEFAULT, c.bypass().toString());
        assertFalse(c.toString().contains("pw"), c.toString());
    }

    @Test
    void jdkDefaults() {
        AgentConfig c = parse(null, "socksProxyHost", "10.0.0.1");
        assertEquals(new InetSocketAddress("10.0.0.1", 1080), c.proxy().address());
        assertNull(c.proxy().username());
        assertEquals(Bypass.JDK_DEFAULT, c.bypass().toString());
        assertTrue(parse(null, "socksProxyHost", "h", "socksNonProxyHosts", "").bypass().isEmpty());
        assertEquals(SocksVersion.SOCKS4, parse(null, "socksProxyHost", "h", "socksProxyVersion", "4").proxy().version());
        assertEquals("none", parse("bypass=none", "socksProxyHost", "h", "socksNonProxyHosts", "x").bypass().toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "socksProxyPort; 0; bad value for socksProxyPort: '0' (expected: a port in 1..65535)",
        "socksProxyVersion; 6; bad value for socksProxyVersion: '6' (expected: 5 or 4)",
        "socksNonProxyHosts; a b; bad value for socksNonProxyHosts: 'a b'",
    })
    void badJdkPropertiesNameTheProperty(String key, String value, String expected) {
        String message = failure(null, "socksProxyHost", "h", key, value);
        assertTrue(message.contains(expected), message);
    }

    @Test
    void embedded() {
        AgentConfig c = parse("proxy=embedded");
        assertTrue(c.embedded());
        assertNull(c.proxy());
        assertEquals(DnsMode.REMOTE, c.dns());
    }

    @Test
    void masksUserInfo() {
        assertEquals("socks5://a:****@h:1", AgentConfig.maskUserInfo("socks5://a:b@h:1"));
        assertEquals("socks5://a@h:1", AgentConfig.maskUserInfo("socks5://a@h:1"));
        assertEquals("socks5://h:1", AgentConfig.maskUserInfo("socks5://h:1"));
        assertEquals("proxy=socks5://a:****@h", AgentConfig.maskUserInfo("proxy=socks5://a:p:q@h"));
    }
}
