package io.socksify.agent.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** The destinations that go direct: an immutable list of {@link BypassRule}s, the first match wins. */
public final class Bypass {
    /** socksify's default: loopback only. */
    public static final String DEFAULT = "localhost|127.0.0.0/8|::1";
    /** What the JDK always appends to a non-empty {@code socksNonProxyHosts} (and uses when it is unset). */
    static final String JDK_DEFAULT = "localhost|127.*|[::1]|0.0.0.0|[::0]";

    static final String EXPECTED = "host names, *.suffix wildcards, IP addresses or CIDR ranges, each optionally"
            + " with :port ([v6]:port for IPv6), separated by '|'; or none";

    private final List<BypassRule> rules;

    private Bypass(List<BypassRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** @return a list of the one rule {@code rule} (the route table makes each bypass entry a rule of its own) */
    public static Bypass of(BypassRule rule) {
        return new Bypass(List.of(rule));
    }

    public static Bypass none() {
        return new Bypass(List.of());
    }

    /** Parses socksify's syntax; {@code key} names the setting in error messages. */
    static Bypass parse(String key, String spec) {
        String s = spec.trim();
        if (s.equalsIgnoreCase("none")) {
            return none();
        }
        List<BypassRule> rules = new ArrayList<>();
        for (String entry : s.split("\\|", -1)) {
            rules.add(parseEntry(key, spec, entry.trim()));
        }
        return new Bypass(rules);
    }

    /**
     * Parses the JDK's {@code socksNonProxyHosts}: host names and IP literals with {@code *} wildcards; the JDK's
     * own defaults are appended to a non-empty value, and the empty string bypasses nothing.
     */
    static Bypass parseJdk(String key, String nonProxyHosts) {
        if (nonProxyHosts == null) {
            return parse(key, JDK_DEFAULT);
        }
        if (nonProxyHosts.isBlank()) {
            return none();
        }
        return parse(key, nonProxyHosts.trim() + "|" + JDK_DEFAULT);
    }

    private static BypassRule parseEntry(String key, String spec, String entry) {
        if (entry.isEmpty()) {
            throw new ConfigException(key, spec, EXPECTED + " (empty entry)");
        }
        String host = entry;
        int port = 0;
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0) {
                throw new ConfigException(key, entry, EXPECTED);
            }
            host = entry.substring(1, close);
            String rest = entry.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new ConfigException(key, entry, EXPECTED);
                }
                port = parsePort(key, entry, rest.substring(1));
            }
            if (!host.contains(":") && !host.contains("*")) {
                throw new ConfigException(key, entry, "an IPv6 address or range inside [ ]");
            }
        } else if (entry.indexOf(':') >= 0 && entry.indexOf(':') == entry.lastIndexOf(':')) {
            int colon = entry.indexOf(':');
            host = entry.substring(0, colon);
            port = parsePort(key, entry, entry.substring(colon + 1));
        }
        try {
            return rule(host, port, entry);
        } catch (IllegalArgumentException | UnknownHostException e) {
            throw new ConfigException(key, entry, EXPECTED);
        }
    }

    private static BypassRule rule(String host, int port, String text) throws UnknownHostException {
        int slash = host.indexOf('/');
        String addressPart = slash < 0 ? host : host.substring(0, slash);
        if (isIpLiteral(addressPart)) {
            // Read without InetAddress where the literal is plain (no name service while the JVM starts).
            byte[] network = Syntax.ipLiteral(addressPart);
            if (network == null) {
                network = InetAddress.getByName(addressPart).getAddress();
            }
            int max = network.length * 8;
            int prefix = max;
            if (slash >= 0) {
                String p = host.substring(slash + 1);
                if (!Syntax.digits(p, 3) || (prefix = Integer.parseInt(p)) > max) {
                    throw new IllegalArgumentException("prefix");
                }
            }
            return new BypassRule.Cidr(network, prefix, port, text);
        }
        if (slash >= 0) {
            throw new IllegalArgumentException("CIDR without an IP address");
        }
        if (Syntax.glob(host)) {
            return new BypassRule.Glob(host, port, text);
        }
        if (Syntax.hostName(host)) {
            return new BypassRule.HostName(host, port, text);
        }
        throw new IllegalArgumentException("host");
    }

    private static int parsePort(String key, String entry, String port) {
        if (Syntax.digits(port, 5)) {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        }
        throw new ConfigException(key, entry, "a port in 1..65535 after ':'");
    }

    /** Whether {@code s} is an IPv4 or IPv6 literal, decided without any name lookup. */
    public static boolean isIpLiteral(String s) {
        return Syntax.ipv4(s) || Syntax.ipv6(s) || s.indexOf('%') > 0
                && Syntax.ipv6(s.substring(0, s.indexOf('%')));
    }

    /** @return the first rule that matches the destination, or null when it is routed */
    public BypassRule match(InetSocketAddress destination) {
        String host = destination.getHostString();
        InetAddress address = destination.isUnresolved() ? null : destination.getAddress();
        for (BypassRule rule : rules) {
            if (rule.matches(host, address, destination.getPort())) {
                return rule;
            }
        }
        return null;
    }

    /**
     * @return the first rule that matches the host name {@code host} at some port, or null: a name such a rule may send
     *         direct is resolved here even with {@code dns=remote} (a lookup does not know the port)
     */
    public BypassRule matchName(String host) {
        for (BypassRule rule : rules) {
            if (rule.matchesHost(host, null)) {
                return rule;
            }
        }
        return null;
    }

    public List<BypassRule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** @return the list in bypass syntax, or {@code none} */
    @Override
    public String toString() {
        if (rules.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (BypassRule rule : rules) {
            sb.append(sb.length() == 0 ? "" : "|").append(rule);
        }
        return sb.toString();
    }
}
