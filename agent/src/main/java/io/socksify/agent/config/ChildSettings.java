package io.socksify.agent.config;

import io.socksify.protocol.client.GssapiOptions;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.SocksVersion;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a child process gets with {@code children=inherit}: for a child JVM the agent options of this JVM's
 * configuration (the password left out: it travels in {@link AgentConfig#PASSWORD_VARIABLE}), for other tools the
 * proxy as an {@code ALL_PROXY} URL and the bypass list in curl's {@code NO_PROXY} syntax.
 */
public final class ChildSettings {
    private ChildSettings() {
    }

    /**
     * @return the options of {@code -javaagent:socksify-agent.jar=<options>} for a child JVM; {@code proxy=embedded}
     *         stays embedded (the child runs its own server and does not depend on this JVM living on)
     */
    public static String agentOptions(AgentConfig config) {
        String proxy = config.embedded() ? "embedded" : via(config.via(), config, false);
        StringBuilder options = new StringBuilder(AgentConfig.PROXY).append('=').append(proxy);
        if (!config.routes().isEmpty()) {
            StringBuilder routes = new StringBuilder();
            for (RouteRule rule : config.routes()) {
                routes.append(routes.length() == 0 ? "" : ";").append(rule.patterns()).append("->")
                        .append(via(rule.via(), config, false));
            }
            options.append(',').append(AgentConfig.ROUTES).append('=').append(routes);
        }
        return options.append(',').append(AgentConfig.BYPASS).append('=').append(config.bypass())
                .append(',').append(AgentConfig.DNS).append('=').append(config.dns().name().toLowerCase(Locale.ROOT))
                .append(',').append(AgentConfig.CONNECT_TIMEOUT).append('=').append(config.connectTimeoutMillis())
                .append(',').append(AgentConfig.PROXY_DOWN_SECONDS).append('=').append(config.proxyDownSeconds())
                .append(',').append(AgentConfig.SELECT).append('=')
                .append(config.select().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .append(',').append(AgentConfig.UDP).append('=').append(config.udp().name().toLowerCase(Locale.ROOT))
                .append(',').append(AgentConfig.LOG_LEVEL).append('=').append(config.logLevel())
                .append(',').append(AgentConfig.CHILDREN).append("=inherit").append(gssapi(config)).toString();
    }

    /** The {@code gssapi.*} keys as given (paths and names, no secret: a keytab stays a file the child reads). */
    private static String gssapi(AgentConfig config) {
        GssapiOptions g = config.gssapi();
        if (g == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        if (g.principal() != null) {
            b.append(',').append(AgentConfig.GSSAPI_PRINCIPAL).append('=').append(g.principal());
        }
        if (g.keytab() != null) {
            b.append(',').append(AgentConfig.GSSAPI_KEYTAB).append('=').append(g.keytab());
        }
        return b.append(',').append(AgentConfig.GSSAPI_SERVICE).append('=').append(g.service())
                .append(',').append(AgentConfig.GSSAPI_LEVEL).append('=')
                .append(g.level().name().toLowerCase(Locale.ROOT))
                .append(',').append(AgentConfig.GSSAPI_NEC).append('=').append(g.nec())
                .append(config.gssapiProxies() == null ? ""
                        : "," + AgentConfig.GSSAPI_PROXIES + "=" + config.gssapiProxies()).toString();
    }

    /**
     * A route as the agent options write it: {@code direct}, {@code block}, or alternatives {@code a|b} of chains
     * {@code a>b}. Passwords never appear: the default route's first hop gets its password from
     * {@link AgentConfig#PASSWORD_VARIABLE}; a child's other hops that need one fail their authentication (README).
     */
    private static String via(Via via, AgentConfig config, boolean withPassword) {
        return switch (via.kind()) {
            case DIRECT -> "direct";
            case BLOCK -> "block";
            case PROXY -> {
                StringBuilder out = new StringBuilder();
                for (Chain chain : via.alternatives()) {
                    out.append(out.length() == 0 ? "" : "|");
                    for (int i = 0; i < chain.size(); i++) {
                        Hop hop = chain.hops().get(i);
                        out.append(i == 0 ? "" : ">").append(url(hop.proxy(), hop.remoteNames(), withPassword));
                    }
                }
                yield out.toString();
            }
        };
    }

    /** @return the password a child JVM's agent reads from {@link AgentConfig#PASSWORD_VARIABLE}, or null */
    public static String password(AgentConfig config) {
        SocksProxy proxy = config.proxy();
        return proxy == null || proxy.version() != SocksVersion.SOCKS5 || proxy.username() == null
                || proxy.password().isEmpty() ? null : proxy.password();
    }

    /**
     * @return the proxy as curl reads {@code ALL_PROXY}, with the password (no tool takes it from elsewhere), e.g.
     *         {@code socks5h://alice:s%40cret@127.0.0.1:1080}; the embedded server's address for
     *         {@code proxy=embedded}
     */
    public static String allProxy(AgentConfig config) {
        return url(config.proxy(), config.dns() == DnsMode.REMOTE, true);
    }

    private static String url(SocksProxy proxy, boolean remote, boolean withPassword) {
        String scheme = switch (proxy.version()) {
            case SOCKS5 -> remote ? "socks5h" : "socks5";
            case SOCKS4A -> "socks4a";
            default -> "socks4";
        };
        StringBuilder url = new StringBuilder(scheme).append("://");
        if (proxy.username() != null) {
            url.append(escape(proxy.username()));
            if (withPassword && proxy.version() == SocksVersion.SOCKS5 && !proxy.password().isEmpty()) {
                url.append(':').append(escape(proxy.password()));
            }
            url.append('@');
        }
        String host = proxy.host();
        url.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(proxy.port());
        return url.toString();
    }

    /** Percent-encodes all but unreserved characters (RFC 3986 section 2.3), so ',' cannot split agent options. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    /**
     * @return the bypass list in curl's {@code NO_PROXY} syntax, or null when nothing is bypassed. curl has no
     *         ports and no wildcards but a leading {@code *.}: a rule with a port or another wildcard is left out
     *         (those destinations go through the proxy for the tool, never around it); a host name also covers the
     *         names under it in curl.
     */
    public static String noProxy(Bypass bypass) {
        List<String> out = new ArrayList<>();
        for (BypassRule rule : bypass.rules()) {
            if (rule.port != 0) {
                continue;
            }
            String text = rule.toString();
            if (rule instanceof BypassRule.Glob) {
                if (text.equals("*")) {
                    out.add("*");
                } else if (text.startsWith("*.") && text.indexOf('*', 1) < 0) {
                    out.add(text.substring(1));
                }
            } else if (rule instanceof BypassRule.Cidr) {
                out.add(text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text);
            } else {
                out.add(text);
            }
        }
        return out.isEmpty() ? null : String.join(",", out);
    }
}
