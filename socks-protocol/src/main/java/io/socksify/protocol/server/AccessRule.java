package io.socksify.protocol.server;

import io.socksify.protocol.wire.SocksAddress;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * One entry of an allow list: an IP network in CIDR notation, or (for destinations only) a host name pattern.
 * <ul>
 *   <li>{@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code ::1/128}, {@code fd00::/8}: an IPv4 or IPv6 network; a
 *       bare address is a network of one ({@code /32} or {@code /128}). {@code 0.0.0.0/0} and {@code ::/0} match
 *       every address of their family.</li>
 *   <li>{@code example.com}: that host name exactly (ASCII case-insensitive; IDNs in their ASCII form).</li>
 *   <li>{@code *.example.com}: every name below {@code example.com}, not {@code example.com} itself.</li>
 *   <li>{@code *}: every destination, by name or address.</li>
 * </ul>
 * An IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}) is matched as the IPv4 address it carries.
 */
public final class AccessRule {
    private final String text;
    private final byte[] network;
    private final int prefixLength;
    private final String host;
    private final boolean wildcardHost;

    private AccessRule(String text, byte[] network, int prefixLength, String host, boolean wildcardHost) {
        this.text = text;
        this.network = network;
        this.prefixLength = prefixLength;
        this.host = host;
        this.wildcardHost = wildcardHost;
    }

    /**
     * Parses a CIDR network, an IP address, a host name, {@code *.suffix} or {@code *}.
     *
     * @throws IllegalArgumentException naming the rule and what is expected
     */
    public static AccessRule parse(String rule) {
        Objects.requireNonNull(rule, "rule");
        String r = rule.trim();
        if (r.isEmpty()) {
            throw new IllegalArgumentException("rule: empty (expected: CIDR such as 10.0.0.0/8, an IP address, "
                    + "a host name, *.domain or *)");
        }
        if (r.equals("*")) {
            return new AccessRule(r, null, 0, "", true);
        }
        int slash = r.indexOf('/');
        String addressPart = slash < 0 ? r : r.substring(0, slash);
        InetAddress address = SocksAddress.parseLiteral(addressPart);
        if (address != null) {
            byte[] bytes = canonical(address);
            int max = bytes.length * 8;
            int prefix = max;
            if (slash >= 0) {
                String p = r.substring(slash + 1);
                try {
                    prefix = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > max || p.isEmpty() || !p.chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("rule: " + rule + " has prefix length '" + p
                            + "' (expected: 0.." + max + ")");
                }
            }
            return new AccessRule(r, mask(bytes, prefix), prefix, null, false);
        }
        if (slash >= 0) {
            throw new IllegalArgumentException("rule: " + rule + " (expected: CIDR with an IP address before '/', "
                    + "such as 10.0.0.0/8 or fd00::/8)");
        }
        boolean wildcard = r.startsWith("*.");
        String name = wildcard ? r.substring(2) : r;
        if (name.isEmpty() || name.contains("*") || name.contains(" ")) {
            throw new IllegalArgumentException("rule: " + rule
                    + " (expected: CIDR, an IP address, a host name, *.domain or *)");
        }
        String ascii;
        try {
            ascii = SocksAddress.ofHost(name, 0).host();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rule: " + rule + " is not a valid host name: " + e.getMessage(), e);
        }
        return new AccessRule(r, null, 0, ascii.toLowerCase(Locale.ROOT), wildcard);
    }

    /** @return whether this is a network rule (CIDR or address), as client rules must be */
    public boolean isNetwork() {
        return network != null;
    }

    /** @return whether this rule names hosts ({@code example.com}, {@code *.example.com} or {@code *}) */
    public boolean isHost() {
        return network == null;
    }

    /** @return whether {@code address} lies in this network; always false for a host rule but {@code *} */
    public boolean matches(InetAddress address) {
        if (network == null) {
            return wildcardHost && host.isEmpty();
        }
        byte[] bytes = canonical(address);
        if (bytes.length != network.length) {
            return false;
        }
        return java.util.Arrays.equals(mask(bytes, prefixLength), network);
    }

    /** @return whether the host name {@code name} (ASCII) matches this host rule; always false for a network */
    public boolean matchesHost(String name) {
        if (network != null) {
            return false;
        }
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        if (!wildcardHost) {
            return n.equals(host);
        }
        return host.isEmpty() || n.endsWith("." + host);
    }

    private static byte[] canonical(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && isIpv4Mapped(bytes)) {
            return java.util.Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xFF00 >> bits));
        }
        return out;
    }

    static boolean isIpv4(InetAddress address) {
        return address instanceof Inet4Address || canonical(address).length == 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessRule a && text.equals(a.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
