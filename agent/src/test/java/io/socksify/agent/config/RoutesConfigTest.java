package io.socksify.agent.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing of chains, failover groups, {@code routes}, {@code @file}, {@code proxyDownSeconds} and {@code select}. */
@Timeout(10)
class RoutesConfigTest {
    private static AgentConfig parse(String args) {
        return AgentConfig.parse(args, new Properties());
    }

    private static String failure(String args) {
        return assertThrows(ConfigException.class, () -> parse(args)).getMessage();
    }

    @Test
    void chainBindsTighterThanGroup() {
        Via via = parse("proxy=socks5://a:1>socks5h://b:2|socks4://c:3").via();
        assertEquals(Via.Kind.PROXY, via.kind());
        assertEquals(2, via.alternatives().size());
        Chain first = via.alternatives().get(0);
        assertEquals(2, first.size());
        assertEquals("socks5://a:1", first.first().text());
        assertFalse(first.first().remoteNames());
        assertTrue(first.last().remoteNames());
        assertEquals(1, via.alternatives().get(1).size());
        assertEquals("socks5://a:1 > socks5h://b:2 | socks4://c:3", via.toString());
        // The default proxy() stays the first hop of the first alternative.
        assertEquals("a", parse("proxy=socks5://a:1>socks5h://b:2").proxy().address().getHostString());
    }

    @Test
    void dnsDefaultFollowsTheLastHop() {
        assertEquals(DnsMode.REMOTE, parse("proxy=socks5://a:1>socks5h://b:2").dns());
        assertEquals(DnsMode.LOCAL, parse("proxy=socks5h://a:1>socks5://b:2").dns());
    }

    @Test
    void routesParseInOrderWithDirectBlockAndGroups() {
        AgentConfig c = parse("proxy=socks5://p:1,routes=*.corp.example|10.0.0.0/8->socks5://bastion:1080;"
                + "*.onion->socks5h://127.0.0.1:9050;*.example.org->block;intranet:8080->direct;"
                + "x.test->socks5://a:1|socks5://b:1;");
        List<RouteRule> rules = c.routes();
        assertEquals(5, rules.size());
        assertEquals(Via.Kind.PROXY, rules.get(0).via().kind());
        assertEquals(2, rules.get(0).patterns().rules().size());
        assertEquals(Via.Kind.BLOCK, rules.get(2).via().kind());
        assertEquals(Via.Kind.DIRECT, rules.get(3).via().kind());
        assertEquals(2, rules.get(4).via().alternatives().size());
        assertTrue(rules.get(0).text().startsWith("rule 1 "), rules.get(0).text());
    }

    @Test
    void proxyDownSecondsAndSelect() {
        AgentConfig c = parse("proxy=socks5://p:1");
        assertEquals(60, c.proxyDownSeconds());
        assertEquals(Select.ORDER, c.select());
        c = parse("proxy=socks5://p:1|socks5://q:1,proxyDownSeconds=5,select=round-robin");
        assertEquals(5, c.proxyDownSeconds());
        assertEquals(Select.ROUND_ROBIN, c.select());
        assertEquals(Select.RANDOM, parse("proxy=socks5://p:1,select=random").select());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '^', value = {
        "proxy=socks5://p:1,routes=*.a->socks9://x:1^ bad value for routes rule 1 (*.a->socks9://x:1): 'socks9://x:1'",
        "proxy=socks5://p:1,routes=*.a->direct|x.b->block^ bad value for routes rule 1",
        "proxy=socks5://p:1,routes=x.a->direct|x.b->block^ bad value for routes rule 1 (x.a->direct|x.b->block)",
        "proxy=socks5://p:1,routes=x.a->direct;x.b^ bad value for routes rule 2: 'x.b' (expected: PATTERNS->VIA",
        "proxy=socks5://p:1,routes=ho st->direct^ bad value for routes rule 1 (ho st->direct): 'ho st'",
        "proxy=socks5://p:1,routes=->direct^ bad value for routes rule 1 (->direct)",
        "proxy=socks5://p:1,routes=x.a->socks5://a:1>>socks5://b:1^ (an empty hop)",
        "proxy=socks5://p:1,routes=x.a->socks5://a:1>direct^ direct and block alone",
        "proxy=socks5://a:1|^ bad value for proxy",
        "proxy=socks5://p:1,proxyDownSeconds=-1^ bad value for proxyDownSeconds: '-1'",
        "proxy=socks5://p:1,select=fastest^ bad value for select: 'fastest' (expected: order, round-robin or random)",
        "proxy=socks5://p:1,routes=@/nonexistent/routes^ bad value for routes: '@/nonexistent/routes'",
    })
    void badValuesNameTheRuleThePartAndTheExpectation(String args, String expected) {
        String message = failure(args);
        assertTrue(message.startsWith("socksify: "), message);
        assertTrue(message.contains(expected), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void aRulePasswordIsMasked() {
        String message = failure("proxy=socks5://p:1,routes=x.a->socks5://alice:s3cr3t@h:0");
        assertFalse(message.contains("s3cr3t"), message);
    }

    @Test
    void valuesAndOptionsFromFiles(@TempDir Path dir) throws IOException {
        Path routes = dir.resolve("routes");
        Files.writeString(routes, "# the table\n*.corp.example->socks5://bastion:1080\n\n  *.example.org->block\n");
        AgentConfig c = parse("proxy=socks5://p:1,routes=@" + routes);
        assertEquals(2, c.routes().size());
        Properties props = new Properties();
        props.setProperty("socksify.routes", "@" + routes);
        props.setProperty("socksify.proxy", "socks5://p:1");
        assertEquals(2, AgentConfig.parse(null, props).routes().size());
        Path options = dir.resolve("options");
        Files.writeString(options, "proxy=socks5://q:2\n# comment\nroutes=@" + routes + "\nconnectTimeout=1234\n");
        c = parse("@" + options);
        assertEquals(1234, c.connectTimeoutMillis());
        assertEquals(2, c.routes().size());
        assertEquals("q", c.proxy().address().getHostString());
        Path two = dir.resolve("two");
        Files.writeString(two, "1\n2\n");
        assertTrue(failure("proxy=socks5://p:1,connectTimeout=@" + two).contains("exactly one value line"));
    }

    /** Found by {@code RoutesFuzzTest}: the index dropped a leading empty label, so {@code ..corp} was {@code corp}. */
    @Test
    void theIndexKeepsEmptyLabelsAsTheRulesDo() {
        List<RouteRule> rules = AgentConfig.parseRoutes(AgentConfig.ROUTES, "*...corp->block;lan->block");
        RuleIndex index = new RuleIndex(rules);
        assertEquals(null, index.match("x.y..corp", null, 80), "*...corp needs three dots before corp");
        assertEquals(rules.get(0), index.match("x...corp", null, 80));
        assertEquals(rules.get(1), index.match("lan", null, 80));
        assertEquals(null, index.match(".lan", null, 80), ".lan is not lan");
        assertEquals(null, index.match("a..lan", null, 80));
    }
}
