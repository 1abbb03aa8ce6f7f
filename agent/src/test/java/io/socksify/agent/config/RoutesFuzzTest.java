package io.socksify.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The route table: {@code routes=PATTERNS->VIA;...} parsed by {@link AgentConfig#parseRoutes}, chains and failover
 * groups ({@code a>b|c}) by {@link AgentConfig#parseVia}, and the {@link RuleIndex} that looks a destination up
 * without scanning.
 *
 * <p>Properties: any input parses or throws {@link ConfigException}; and the index is checked against the
 * definition it replaces: for a fuzzed destination (a name, an IPv4 or IPv6 address, with or without a port), the
 * rule {@link RuleIndex#match} returns is the first rule, in the order written, one of whose patterns
 * {@link BypassRule#matches matches} it. A trie that loses a rule, or finds a later one first, fails here.
 */
class RoutesFuzzTest {
    @FuzzTest
    void routes(FuzzedDataProvider data) throws UnknownHostException {
        int port = data.consumeBoolean() ? 0 : data.consumeInt(1, 65535);
        String host;
        InetAddress address;
        switch (data.consumeInt(0, 2)) {
            case 0 -> {
                host = data.consumeString(40);
                address = null;
            }
            case 1 -> {
                address = InetAddress.getByAddress(padded(data.consumeBytes(4), 4));
                host = address.getHostAddress();
            }
            default -> {
                address = InetAddress.getByAddress(padded(data.consumeBytes(16), 16));
                host = address.getHostAddress();
            }
        }
        String text = data.consumeRemainingAsString();
        List<RouteRule> rules;
        try {
            rules = AgentConfig.parseRoutes(AgentConfig.ROUTES, text);
        } catch (ConfigException expected) {
            assertNotNull(expected.getMessage());
            return;
        }
        for (RouteRule rule : rules) {
            assertNotNull(rule.via().toString());
        }
        RuleIndex index = new RuleIndex(rules);
        assertEquals(scan(rules, host, address, port), index.match(host, address, port),
                () -> "destination " + host + " " + address + " port " + port + " rules " + rules);
    }

    private static byte[] padded(byte[] bytes, int length) {
        byte[] a = new byte[length];
        System.arraycopy(bytes, 0, a, 0, bytes.length);
        return a;
    }

    /** The definition: the first rule with a pattern matching the destination (port 0: "some port", any rule port). */
    private static RouteRule scan(List<RouteRule> rules, String host, InetAddress address, int port) {
        for (RouteRule rule : rules) {
            for (BypassRule pattern : rule.patterns().rules()) {
                boolean portMatches = port == 0 || pattern.port == 0 || pattern.port == port;
                if (portMatches && pattern.matchesHost(host, address)) {
                    return rule;
                }
            }
        }
        return null;
    }
}
