package io.socksify.agent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy and bypass list that command-line tools read from the environment: {@code all_proxy}/{@code ALL_PROXY}
 * (a proxy URL) and {@code no_proxy}/{@code NO_PROXY} (curl's bypass syntax), turned into the values of socksify's
 * {@code proxy} and {@code bypass} keys. {@link AgentConfig} uses them only when neither {@code proxy} nor the JDK's
 * {@code socksProxyHost} is given.
 *
 * <p>As curl does, the lower-case name wins over the upper-case one. socksify speaks only SOCKS, so an
 * {@code ALL_PROXY} naming another kind of proxy ({@code http://}, or no scheme, which curl reads as HTTP) is not
 * used: it is a setting for other tools, and the reason it was passed over is kept for the error that says no proxy
 * is configured.
 */
public final class EnvironmentProxy {
    static final String[] PROXY_VARIABLES = {"all_proxy", "ALL_PROXY"};
    static final String[] BYPASS_VARIABLES = {"no_proxy", "NO_PROXY"};
    private static final List<String> SOCKS_SCHEMES = List.of("socks5", "socks5h", "socks4", "socks4a");

    private final String proxy;
    private final String proxyVariable;
    private final String bypass;
    private final String bypassVariable;
    private final String ignored;
    private final List<String> skippedBypassEntries;

    private EnvironmentProxy(String proxy, String proxyVariable, String bypass, String bypassVariable,
            String ignored, List<String> skippedBypassEntries) {
        this.proxy = proxy;
        this.proxyVariable = proxyVariable;
        this.bypass = bypass;
        this.bypassVariable = bypassVariable;
        this.ignored = ignored;
        this.skippedBypassEntries = List.copyOf(skippedBypassEntries);
    }

    /** Reads the variables from {@code environment} (normally {@link System#getenv()}). */
    public static EnvironmentProxy read(Map<String, String> environment) {
        String proxyVariable = firstSet(environment, PROXY_VARIABLES);
        String proxy = null;
        String ignored = null;
        if (proxyVariable != null) {
            String value = environment.get(proxyVariable).trim();
            int sep = value.indexOf("://");
            String scheme = sep < 0 ? "" : value.substring(0, sep).toLowerCase(Locale.ROOT);
            if (SOCKS_SCHEMES.contains(scheme)) {
                proxy = value;
            } else {
                ignored = proxyVariable + "=" + AgentConfig.maskUserInfo(value) + " is not a SOCKS URL"
                        + (sep < 0 ? " (without a scheme it means an HTTP proxy)" : "")
                        + " and was ignored: socksify speaks only socks5://, socks5h://, socks4:// and socks4a://";
                proxyVariable = null;
            }
        }
        String bypassVariable = proxy == null ? null : firstSet(environment, BYPASS_VARIABLES);
        String bypass = null;
        List<String> skipped = new ArrayList<>();
        if (bypassVariable != null) {
            bypass = translateNoProxy(bypassVariable, environment.get(bypassVariable), skipped);
        }
        return new EnvironmentProxy(proxy, proxyVariable, bypass, bypass == null ? null : bypassVariable, ignored,
                skipped);
    }

    /** The first of {@code names} that is set to something other than blanks, or null. */
    private static String firstSet(Map<String, String> environment, String[] names) {
        for (String name : names) {
            String v = environment.get(name);
            if (v != null && !v.isBlank()) {
                return name;
            }
        }
        return null;
    }

    /**
     * Translates curl's {@code NO_PROXY} into socksify's bypass syntax: entries separated by commas (blanks
     * around them ignored); {@code *} alone matches every host; a host name matches itself and every name under it,
     * with or without a leading dot ({@code .example.com} and {@code example.com} both match {@code www.example.com}
     * and {@code example.com}); IP addresses, CIDR ranges and {@code host:port} are taken as they are. An entry
     * socksify cannot read is skipped (into {@code skipped}): leaving it out sends more through the proxy, never
     * less.
     *
     * @return the bypass value, or null when no entry is left
     */
    static String translateNoProxy(String variable, String value, List<String> skipped) {
        List<String> out = new ArrayList<>();
        for (String raw : value.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            List<String> rules = new ArrayList<>();
            if (entry.equals("*")) {
                rules.add("*");
            } else {
                String host = entry;
                String port = "";
                int colon = entry.lastIndexOf(':');
                if (!entry.startsWith("[") && colon > 0 && colon == entry.indexOf(':')) {
                    host = entry.substring(0, colon);
                    port = entry.substring(colon);
                }
                if (host.startsWith(".")) {
                    host = host.substring(1);
                }
                if (host.isEmpty()) {
                    skipped.add(entry);
                    continue;
                }
                rules.add(host + port);
                if (!Bypass.isIpLiteral(host) && !host.contains("/") && !host.startsWith("[")
                        && !host.contains("*")) {
                    rules.add("*." + host + port);
                }
            }
            try {
                Bypass.parse(variable, String.join("|", rules));
                out.addAll(rules);
            } catch (ConfigException e) {
                skipped.add(entry);
            }
        }
        return out.isEmpty() ? null : String.join("|", out);
    }

    /** @return the proxy URL for socksify's {@code proxy} key, or null when the environment names no SOCKS proxy */
    public String proxy() {
        return proxy;
    }

    /** @return the variable the proxy came from ({@code all_proxy} or {@code ALL_PROXY}), or null */
    public String proxyVariable() {
        return proxyVariable;
    }

    /** @return the bypass list in socksify's syntax, or null when there is none (or no proxy) */
    public String bypass() {
        return bypass;
    }

    /** @return the variable the bypass list came from ({@code no_proxy} or {@code NO_PROXY}), or null */
    public String bypassVariable() {
        return bypassVariable;
    }

    /** @return why a set {@code ALL_PROXY} was not used, or null */
    public String ignored() {
        return ignored;
    }

    /** @return the {@code NO_PROXY} entries socksify could not read and left out */
    public List<String> skippedBypassEntries() {
        return skippedBypassEntries;
    }
}
