package io.socksify.agent.config;

import java.net.InetAddress;
import java.util.Locale;

/**
 * One entry of the bypass list: a destination that goes direct. Each matches on the destination's host string
 * (a name or an IP literal), its address when resolved, and optionally its port.
 */
public abstract sealed class BypassRule permits BypassRule.HostName, BypassRule.Glob, BypassRule.Cidr {
    final int port;
    private final String text;

    BypassRule(int port, String text) {
        this.port = port;
        this.text = text;
    }

    /**
     * @param host    the destination's host string: a host name or an IP literal, never null
     * @param address the destination's address, or null when it is unresolved
     */
    public final boolean matches(String host, InetAddress address, int destinationPort) {
        return (port == 0 || port == destinationPort) && matchesHost(host, address);
    }

    abstract boolean matchesHost(String host, InetAddress address);

    /** @return the rule as written in the bypass syntax, e.g. {@code *.corp.example:443} or {@code [::1]} */
    @Override
    public final String toString() {
        return text;
    }

    static String normalize(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** An exact host name, case-insensitive. */
    static final class HostName extends BypassRule {
        private final String name;

        HostName(String name, int port, String text) {
            super(port, text);
            this.name = normalize(name);
        }

        String name() {
            return name;
        }

        @Override
        boolean matchesHost(String host, InetAddress address) {
            return normalize(host).equals(name);
        }
    }

    /**
     * A pattern with {@code *} wildcards matched against the host string: {@code *.example.com} (subdomains only),
     * and the JDK's {@code socksNonProxyHosts} forms such as {@code 127.*} or {@code web*}.
     */
    static final class Glob extends BypassRule {
        private final String[] parts;
        private final String pattern;

        Glob(String pattern, int port, String text) {
            super(port, text);
            this.pattern = normalize(pattern);
            this.parts = this.pattern.split("\\*", -1);
        }

        String pattern() {
            return pattern;
        }

        @Override
        boolean matchesHost(String host, InetAddress address) {
            return matchesText(normalize(host)) || address != null && matchesText(address.getHostAddress());
        }

        private boolean matchesText(String h) {
            if (!h.startsWith(parts[0])) {
                return false;
            }
            int at = parts[0].length();
            for (int i = 1; i < parts.length - 1; i++) {
                int found = h.indexOf(parts[i], at);
                if (found < 0) {
                    return false;
                }
                at = found + parts[i].length();
            }
            String last = parts[parts.length - 1];
            return h.length() - at >= last.length() && h.endsWith(last);
        }
    }

    /** An IP address ({@code prefix} = full length) or a CIDR range, IPv4 or IPv6. */
    static final class Cidr extends BypassRule {
        private final byte[] network;
        private final int prefix;

        /** @param network the address's bytes: 4 for IPv4, 16 for IPv6 */
        Cidr(byte[] network, int prefix, int port, String text) {
            super(port, text);
            this.network = network;
            this.prefix = prefix;
        }

        byte[] network() {
            return network;
        }

        int prefix() {
            return prefix;
        }

        @Override
        boolean matchesHost(String host, InetAddress address) {
            if (address == null) {
                return false;
            }
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                // An IPv4-mapped IPv6 address arrives as an Inet4Address already; nothing else crosses families.
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }
}
