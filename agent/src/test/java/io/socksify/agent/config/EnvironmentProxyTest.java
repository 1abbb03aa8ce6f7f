package io.socksify.agent.config;

import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.SocksVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ALL_PROXY and NO_PROXY as curl reads them, and where they stand among socksify's other proxy settings. */
@Timeout(10)
class EnvironmentProxyTest {
    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private static InetSocketAddress at(String host, int port) {
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static String noProxy(String value) {
        List<String> skipped = new ArrayList<>();
        String out = EnvironmentProxy.translateNoProxy("NO_PROXY", value, skipped);
        return out + (skipped.isEmpty() ? "" : " skipped " + skipped);
    }

    @Test
    void allProxyIsTheProxyWhenNothingElseIsGiven() {
        AgentConfig c = AgentConfig.parse(null, props(), Map.of("ALL_PROXY", "socks5h://alice:s%40cret@proxy.test:1081"));
        assertEquals(SocksProxy.of(SocksVersion.SOCKS5, at("proxy.test", 1081)).withCredentials("alice", "s@cret"),
                c.proxy());
        assertEquals(DnsMode.REMOTE, c.dns());
        assertEquals("ALL_PROXY", c.proxySource());
        assertEquals(Bypass.DEFAULT, c.bypass().toString());
    }

    @Test
    void lowerCaseWinsAsInCurl() {
        AgentConfig c = AgentConfig.parse(null, props(), Map.of("ALL_PROXY", "socks5://127.0.0.1:1",
                "all_proxy", "socks4a://127.0.0.1:2", "NO_PROXY", "upper.test", "no_proxy", "lower.test"));
        assertEquals("all_proxy", c.proxySource());
        assertEquals(SocksVersion.SOCKS4A, c.proxy().version());
        assertEquals("lower.test|*.lower.test", c.bypass().toString());
    }

    @Test
    void proxyOptionAndJdkPropertiesWinOverTheEnvironment() {
        Map<String, String> env = Map.of("ALL_PROXY", "socks5://127.0.0.1:1", "NO_PROXY", "env.test");
        AgentConfig option = AgentConfig.parse("proxy=socks5://127.0.0.1:2", props(), env);
        assertEquals(2, option.proxy().address().getPort());
        assertEquals(Bypass.DEFAULT, option.bypass().toString());
        AgentConfig property = AgentConfig.parse(null, props("socksify.proxy", "socks5://127.0.0.1:3"), env);
        assertEquals(3, property.proxy().address().getPort());
        AgentConfig jdk = AgentConfig.parse(null, props("socksProxyHost", "127.0.0.1", "socksProxyPort", "4"), env);
        assertEquals(4, jdk.proxy().address().getPort());
        assertEquals(Bypass.JDK_DEFAULT, jdk.bypass().toString());
    }

    @Test
    void bypassOptionWinsOverNoProxy() {
        AgentConfig c = AgentConfig.parse("bypass=none", props(),
                Map.of("ALL_PROXY", "socks5://127.0.0.1:1", "NO_PROXY", "env.test"));
        assertTrue(c.bypass().isEmpty());
    }

    @Test
    void noProxyWithoutASocksAllProxyIsNotUsed() {
        AgentConfig c = AgentConfig.parse("proxy=socks5://127.0.0.1:2", props(), Map.of("NO_PROXY", "*"));
        assertEquals(Bypass.DEFAULT, c.bypass().toString());
    }

    @Test
    void httpAllProxyIsIgnoredAndTheNoProxyErrorSaysWhy() {
        String message = assertThrows(ConfigException.class, () -> AgentConfig.parse(null, props(),
                Map.of("ALL_PROXY", "http://bob:hunter2@web-proxy.test:3128"))).getMessage();
        assertTrue(message.contains("no proxy configured"), message);
        assertTrue(message.contains("ALL_PROXY=http://bob:****@web-proxy.test:3128 is not a SOCKS URL"), message);
        assertTrue(!message.contains("hunter2"), message);
    }

    @Test
    void schemelessAllProxyMeansHttpAndIsIgnored() {
        EnvironmentProxy env = EnvironmentProxy.read(Map.of("all_proxy", "proxy.test:1080"));
        assertNull(env.proxy());
        assertNotNull(env.ignored());
        assertTrue(env.ignored().contains("without a scheme it means an HTTP proxy"), env.ignored());
    }

    @Test
    void httpAllProxyDoesNotMatterWhenAProxyIsConfigured() {
        AgentConfig c = AgentConfig.parse("proxy=socks5://127.0.0.1:2", props(),
                Map.of("ALL_PROXY", "http://web-proxy.test:3128"));
        assertEquals(2, c.proxy().address().getPort());
    }

    @Test
    void malformedSocksAllProxyFailsNamingTheVariable() {
        String message = assertThrows(ConfigException.class, () -> AgentConfig.parse(null, props(),
                Map.of("ALL_PROXY", "socks5://pro xy:99999"))).getMessage();
        assertTrue(message.contains("ALL_PROXY"), message);
    }

    @Test
    void blankVariablesCountAsUnset() {
        EnvironmentProxy env = EnvironmentProxy.read(Map.of("all_proxy", " ", "ALL_PROXY", "socks5://127.0.0.1:1",
                "no_proxy", "", "NO_PROXY", "x.test"));
        assertEquals("ALL_PROXY", env.proxyVariable());
        assertEquals("NO_PROXY", env.bypassVariable());
    }

    @Test
    void noProxyInCurlsSyntax() {
        assertEquals("*", noProxy("*"));
        assertEquals("example.com|*.example.com", noProxy(".example.com"));
        assertEquals("example.com|*.example.com|10.0.0.0/8|192.168.1.7|::1|[::1]:8080",
                noProxy(" example.com , 10.0.0.0/8,192.168.1.7,,::1,[::1]:8080 "));
        assertEquals("intranet.test:8080|*.intranet.test:8080", noProxy("intranet.test:8080"));
        assertEquals("localhost|*.localhost", noProxy("localhost"));
    }

    @Test
    void unreadableNoProxyEntriesAreSkippedNotFatal() {
        assertEquals("ok.test|*.ok.test skipped [bad host!, .]", noProxy("bad host!,ok.test,."));
        assertEquals("null skipped [10.0.0.0/99]", noProxy("10.0.0.0/99"));
    }

    @Test
    void noProxyMatchesTheDomainAndItsSubdomainsOnly() {
        AgentConfig c = AgentConfig.parse(null, props(),
                Map.of("ALL_PROXY", "socks5://127.0.0.1:1", "NO_PROXY", ".example.com,10.1.0.0/16"));
        assertNotNull(c.bypass().match(at("example.com", 80)));
        assertNotNull(c.bypass().match(at("www.example.com", 80)));
        assertNull(c.bypass().match(at("nonexample.com", 80)));
        assertNull(c.bypass().match(at("localhost", 80)), "NO_PROXY replaces the default list, as in curl");
        assertNotNull(c.bypass().match(new InetSocketAddress("10.1.2.3", 80)));
    }

    @Test
    void starBypassesEverything() {
        AgentConfig c = AgentConfig.parse(null, props(), Map.of("ALL_PROXY", "socks5://127.0.0.1:1", "NO_PROXY", "*"));
        assertNotNull(c.bypass().match(at("anything.test", 443)));
        assertNotNull(c.bypass().match(new InetSocketAddress("192.0.2.1", 443)));
    }
}
