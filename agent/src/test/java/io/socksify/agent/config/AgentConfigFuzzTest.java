package io.socksify.agent.config;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.net.InetSocketAddress;
import java.util.Properties;

/**
 * The agent's configuration parser: agent options ({@code proxy=socks5://user:pw@host:port,bypass=...,dns=...}),
 * {@code socksify.*} system properties and the JDK's {@code socksProxyHost}/{@code socksNonProxyHosts}, and the
 * bypass rules matched against destinations. No lookup happens while parsing, so every input is cheap.
 *
 * <p>Properties: any input either configures the agent or throws {@link ConfigException} (the one exception the
 * agent turns into its start-up refusal); a parsed bypass matches any destination without throwing. Routes (issue
 * 10) get their own target once that parser is on this branch.
 */
class AgentConfigFuzzTest {
    private static final InetSocketAddress[] DESTINATIONS = {
            InetSocketAddress.createUnresolved("example.com", 443),
            InetSocketAddress.createUnresolved("a.b.internal", 80),
            new InetSocketAddress("10.1.2.3", 22),
            new InetSocketAddress("::1", 8080),
    };

    @FuzzTest
    void configuration(FuzzedDataProvider data) {
        Properties properties = new Properties();
        if (data.consumeBoolean()) {
            properties.setProperty(AgentConfig.PROPERTY_PREFIX + AgentConfig.BYPASS, data.consumeString(64));
        }
        if (data.consumeBoolean()) {
            properties.setProperty(AgentConfig.JDK_HOST, data.consumeString(32));
            properties.setProperty(AgentConfig.JDK_PORT, data.consumeString(8));
            properties.setProperty(AgentConfig.JDK_NON_PROXY_HOSTS, data.consumeString(64));
        }
        String args = data.consumeRemainingAsString();
        AgentConfig config;
        try {
            config = AgentConfig.parse(args, properties);
        } catch (ConfigException expected) {
            assertNotNull(expected.getMessage());
            return;
        }
        assertNotNull(config.toString());
    }

    @FuzzTest
    void bypass(FuzzedDataProvider data) {
        String host = data.consumeString(64);
        Bypass bypass;
        try {
            bypass = Bypass.parse(AgentConfig.BYPASS, data.consumeRemainingAsString());
        } catch (ConfigException expected) {
            return;
        }
        for (InetSocketAddress d : DESTINATIONS) {
            bypass.match(d);
        }
        bypass.matchName(host);
    }
}
