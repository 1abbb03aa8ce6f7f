package io.socksify.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.client.GssapiOptions;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code gssapi.*} keys (RFC 1961 through Kerberos): parsing, where they apply, and every refusal. */
class AgentConfigGssapiTest {
    @TempDir
    Path dir;

    private static AgentConfig parse(String args) {
        return AgentConfig.parse(args, new Properties(), Map.of());
    }

    private static String failure(String args) {
        return assertThrows(ConfigException.class, () -> parse(args)).getMessage();
    }

    private Path keytab() throws IOException {
        return Files.write(dir.resolve("user.keytab"), new byte[] {5, 2});
    }

    @Test
    void noGssapiKeyMeansNoGssapi() {
        AgentConfig config = parse("proxy=socks5://127.0.0.1:1080");
        assertNull(config.gssapi());
        assertNull(config.proxy().gssapi());
    }

    @Test
    void everySocks5HopOfEveryRouteOffersGssapiAndSocks4HopsDoNot() throws IOException {
        Path keytab = keytab();
        AgentConfig config = parse("proxy=socks5://a:1080>socks5h://b:1080|socks4a://c:1080,"
                + "routes=*.corp->socks5://d:1080;10.0.0.0/8->direct,gssapi.keytab=" + keytab
                + ",gssapi.principal=alice@SOCKSIFY.TEST,gssapi.service=socks,gssapi.level=clear,gssapi.nec=true");
        GssapiOptions g = config.gssapi();
        assertEquals(keytab, g.keytab());
        assertEquals("alice@SOCKSIFY.TEST", g.principal());
        assertEquals("socks", g.service());
        assertEquals(Socks5GssapiProtectionLevel.CLEAR, g.level());
        assertTrue(g.nec());
        assertTrue(g.unprotectedDataPath().startsWith("gssapi.level=clear: "), g.unprotectedDataPath());
        Via via = config.via();
        assertSame(g, via.alternatives().get(0).hops().get(0).proxy().gssapi());
        assertSame(g, via.alternatives().get(0).hops().get(1).proxy().gssapi());
        assertNull(via.alternatives().get(1).hops().get(0).proxy().gssapi(), "SOCKS4a has no GSS-API");
        assertSame(g, config.routes().get(0).via().primary().first().proxy().gssapi());
        assertSame(Via.DIRECT, config.routes().get(1).via());
        // What messages show stays as written; the options show where credentials come from, never a key.
        assertEquals("socks5://a:1080", via.alternatives().get(0).hops().get(0).text());
        assertTrue(config.toString().contains("gssapi=alice@SOCKSIFY.TEST (keytab " + keytab + ", service socks, "
                + "level clear)"), config.toString());
    }

    @Test
    void gssapiProxiesNamesTheProxiesThatOfferGssapi() {
        AgentConfig config = parse("proxy=socks5://a:1080,routes=*.corp->socks5://Corp-GW:1080>socks5://b:1081;"
                + "*.lab->socks5://[fd00::1]:1080|socks5://b:1082,gssapi.level=integrity,"
                + "gssapi.proxies=corp-gw|[fd00::1]:1080|b:1082");
        assertNull(config.via().primary().first().proxy().gssapi(), "a is not named");
        Via corp = config.routes().get(0).via();
        assertSame(config.gssapi(), corp.primary().hops().get(0).proxy().gssapi(), "a host names every port");
        assertNull(corp.primary().hops().get(1).proxy().gssapi(), "b:1081 is not named");
        Via lab = config.routes().get(1).via();
        assertSame(config.gssapi(), lab.alternatives().get(0).first().proxy().gssapi(), "[v6]:port");
        assertSame(config.gssapi(), lab.alternatives().get(1).first().proxy().gssapi(), "host:port");
        assertTrue(config.toString().contains(", proxies corp-gw|[fd00::1]:1080|b:1082)"), config.toString());
        // Children get the same list.
        String child = ChildSettings.agentOptions(config);
        assertTrue(child.endsWith(",gssapi.proxies=corp-gw|[fd00::1]:1080|b:1082"), child);
        AgentConfig again = parse(child);
        assertNull(again.via().primary().first().proxy().gssapi());
        assertSame(again.gssapi(), again.routes().get(0).via().primary().first().proxy().gssapi());
    }

    @Test
    void gssapiProxiesAloneTurnsGssapiOnAndBadEntriesAreNamed() {
        assertEquals(Socks5GssapiProtectionLevel.INTEGRITY,
                parse("proxy=socks5://a:1080,gssapi.proxies=a").gssapi().level());
        String none = failure("proxy=socks5://a:1080,gssapi.proxies=a|typo.example:1080");
        assertTrue(none.contains("gssapi.proxies") && none.contains("typo.example:1080 names none of them"), none);
        String socks4 = failure("proxy=socks4a://a:1080,gssapi.proxies=a");
        assertTrue(socks4.contains("a names none of them"), "a SOCKS4 proxy has no GSS-API: " + socks4);
        for (String bad : new String[] {"a:0", "a:65536", "a:x", "a|", "[fd00::1", "a b"}) {
            String message = failure("proxy=socks5://a:1080,gssapi.proxies=" + bad);
            assertTrue(message.contains("gssapi.proxies") && message.contains("host or host:port"), message);
        }
    }

    @Test
    void withoutAKeytabTheTicketCacheIsUsed() {
        GssapiOptions g = parse("proxy=socks5://a:1080,gssapi.level=clear").gssapi();
        assertNull(g.keytab());
        assertNull(g.ticketCache());
        assertEquals(GssapiOptions.DEFAULT_SERVICE, g.service());
        assertFalse(g.nec());
    }

    @Test
    void levelsThatWrapDataAreAcceptedAndGoThroughTheRelay() {
        GssapiOptions dflt = parse("proxy=socks5://a:1080,gssapi.service=rcmd").gssapi();
        assertEquals(Socks5GssapiProtectionLevel.INTEGRITY, dflt.level());
        // Deny by default: only the relayed last hop (ProxyConnect) opts in; chains' earlier hops, UDP, BIND refuse.
        assertEquals(AgentConfig.GSSAPI_NOT_RELAYED, dflt.unprotectedDataPath());
        GssapiOptions conf = parse("proxy=socks5://a:1080,gssapi.level=confidentiality").gssapi();
        assertEquals(Socks5GssapiProtectionLevel.CONFIDENTIALITY, conf.level());
        assertEquals(AgentConfig.GSSAPI_NOT_RELAYED, conf.unprotectedDataPath());
    }

    @Test
    void badValuesNameKeyValueAndExpectation() {
        String level = failure("proxy=socks5://a:1080,gssapi.level=permessage");
        assertTrue(level.contains("gssapi.level") && level.contains("permessage")
                && level.contains("clear, integrity or confidentiality"), level);
        String keytab = failure("proxy=socks5://a:1080,gssapi.level=clear,gssapi.keytab=" + dir.resolve("none"));
        assertTrue(keytab.contains("gssapi.keytab") && keytab.contains("a readable keytab file"), keytab);
        String nec = failure("proxy=socks5://a:1080,gssapi.level=clear,gssapi.nec=yes");
        assertTrue(nec.contains("gssapi.nec") && nec.contains("true or false"), nec);
        String service = failure("proxy=socks5://a:1080,gssapi.level=clear,gssapi.service=rc md");
        assertTrue(service.contains("gssapi.service") && service.contains("a service name"), service);
        String principal = failure("proxy=socks5://a:1080,gssapi.level=clear,gssapi.principal=");
        assertTrue(principal.contains("gssapi.principal") && principal.contains("a Kerberos principal"), principal);
    }

    @Test
    void systemPropertiesTakeTheKeysToo() {
        Properties p = new Properties();
        p.setProperty("socksify.gssapi.level", "clear");
        p.setProperty("socksify.gssapi.principal", "bob@SOCKSIFY.TEST");
        AgentConfig config = AgentConfig.parse("proxy=socks5://a:1080", p, Map.of());
        assertEquals("bob@SOCKSIFY.TEST", config.gssapi().principal());
    }

    @Test
    void childJvmsGetTheSameKeys() throws IOException {
        Path keytab = keytab();
        AgentConfig config = parse("proxy=socks5://a:1080,gssapi.level=clear,gssapi.keytab=" + keytab
                + ",gssapi.principal=alice@SOCKSIFY.TEST");
        String child = ChildSettings.agentOptions(config);
        assertTrue(child.endsWith(",gssapi.principal=alice@SOCKSIFY.TEST,gssapi.keytab=" + keytab
                + ",gssapi.service=rcmd,gssapi.level=clear,gssapi.nec=false"), child);
        GssapiOptions again = parse(child).gssapi();
        assertEquals(keytab, again.keytab());
        assertEquals("alice@SOCKSIFY.TEST", again.principal());
    }
}
