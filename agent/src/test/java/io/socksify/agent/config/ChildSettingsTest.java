package io.socksify.agent.config;

import io.socksify.agent.bootstrap.ChildProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What children=inherit hands a child: agent options that parse back to the same configuration, curl's variables. */
@Timeout(10)
class ChildSettingsTest {
    private static AgentConfig parse(String args, Map<String, String> env) {
        return AgentConfig.parse(args, new Properties(), env);
    }

    @Test
    void childOptionsParseBackToTheSameConfigurationWithThePasswordFromTheEnvironment() {
        AgentConfig parent = parse("proxy=socks5h://al%2Cice:p%40ss%2Cword@127.0.0.1:1080,bypass=localhost|10.0.0.0/8"
                + "|*.corp.test|x.test:80,connectTimeout=2500,udp=block,log.level=warn", Map.of());
        String options = ChildSettings.agentOptions(parent);
        assertFalse(options.contains("p%40ss") || options.contains("p@ss"), options);
        AgentConfig child = parse(options, Map.of(AgentConfig.PASSWORD_VARIABLE, ChildSettings.password(parent)));
        assertEquals(parent.proxy(), child.proxy());
        assertEquals("p@ss,word", child.proxy().password());
        assertEquals(parent.toString(), child.toString());
        assertEquals(parent.logLevel(), child.logLevel());
        assertTrue(child.inheritToChildren());
    }

    @Test
    void chainsGroupsAndRoutesReachTheChildAsTheParentHasThem() {
        AgentConfig parent = parse("proxy=socks5://alice:secret@127.0.0.1:1080>socks5h://127.0.0.2:1081"
                + "|socks4a://127.0.0.3:1082,routes=*.corp.test|10.0.0.0/8->socks5://127.0.0.4:1083;*.onion"
                + "->socks5h://127.0.0.5:9050;*.blocked.test->block;intranet:8080->direct,proxyDownSeconds=7,"
                + "select=round-robin", Map.of());
        String options = ChildSettings.agentOptions(parent);
        assertFalse(options.contains("secret"), options);
        AgentConfig child = parse(options, Map.of(AgentConfig.PASSWORD_VARIABLE, ChildSettings.password(parent)));
        assertEquals(parent.via().toString(), child.via().toString());
        assertEquals(parent.routes().toString(), child.routes().toString());
        assertEquals("secret", child.via().primary().first().proxy().password());
        assertEquals(7, child.proxyDownSeconds());
        assertEquals(Select.ROUND_ROBIN, child.select());
        assertEquals(parent.toString(), child.toString());
    }

    @Test
    void allProxyCarriesThePasswordEscapedAndTheSchemeSaysWhoResolves() {
        AgentConfig remote = parse("proxy=socks5h://alice:p%40ss@127.0.0.1:1080", Map.of());
        assertEquals("socks5h://alice:p%40ss@127.0.0.1:1080", ChildSettings.allProxy(remote));
        AgentConfig local = parse("proxy=socks5://[::1]:1081", Map.of());
        assertEquals("socks5://[0:0:0:0:0:0:0:1]:1081", ChildSettings.allProxy(local));
        assertEquals("socks4a://bob@127.0.0.1:1080",
                ChildSettings.allProxy(parse("proxy=socks4a://bob@127.0.0.1:1080", Map.of())));
        assertNull(ChildSettings.password(parse("proxy=socks4a://bob@127.0.0.1:1080", Map.of())));
    }

    @Test
    void noProxyInCurlsSyntaxLeavesOutWhatCurlCannotSay() {
        AgentConfig c = parse("proxy=socks5://127.0.0.1:1,bypass=localhost|127.0.0.0/8|[::1]|*.corp.test|web*"
                + "|x.test:80|*", Map.of());
        assertEquals("localhost,127.0.0.0/8,::1,.corp.test,*", ChildSettings.noProxy(c.bypass()));
        assertNull(ChildSettings.noProxy(parse("proxy=socks5://127.0.0.1:1,bypass=none", Map.of()).bypass()));
    }

    @Test
    void childrenKey() {
        assertTrue(parse("proxy=socks5://127.0.0.1:1", Map.of()).inheritToChildren());
        assertFalse(parse("proxy=socks5://127.0.0.1:1,children=none", Map.of()).inheritToChildren());
        String message = assertThrows(ConfigException.class,
                () -> parse("proxy=socks5://127.0.0.1:1,children=all", Map.of())).getMessage();
        assertTrue(message.contains("children") && message.contains("inherit or none"), message);
    }

    @Test
    void passwordVariableFillsOnlyAMissingSocks5Password() {
        Map<String, String> env = Map.of(AgentConfig.PASSWORD_VARIABLE, "fromenv");
        assertEquals("fromenv", parse("proxy=socks5://alice@127.0.0.1:1", env).proxy().password());
        assertEquals("given", parse("proxy=socks5://alice:given@127.0.0.1:1", env).proxy().password());
        assertNull(parse("proxy=socks5://127.0.0.1:1", env).proxy().username());
    }

    @Test
    void javaToolOptionsPutTheAgentFirstAndKeepTheApplicationsOwn() {
        String agent = "-javaagent:/opt/socksify-agent.jar=proxy=embedded";
        assertEquals(agent, ChildProcesses.javaToolOptions(agent, null));
        assertEquals(agent + " -Xmx64m \"-Dname=a b\"",
                ChildProcesses.javaToolOptions(agent, "-Xmx64m '-Dname=a b'"));
        // A socksify agent already there (an older configuration inherited from this JVM's parent) is replaced.
        assertEquals(agent + " -Dx=1", ChildProcesses.javaToolOptions(agent,
                "-javaagent:/old/socksify-agent.jar=proxy=socks5://h:1 -Dx=1"));
        assertEquals(List.of("-a", "b c", "d'e"), ChildProcesses.splitOptions("  -a 'b c'   \"d'e\" "));
        assertEquals("\"-javaagent:/a dir/socksify-agent.jar=x\"",
                ChildProcesses.quote("-javaagent:/a dir/socksify-agent.jar=x"));
    }
}
