package io.socksify.agent.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The route table's lookup: the first rule (lowest index) any of whose patterns matches a destination, found without
 * scanning the rules. Host names and {@code *.suffix} patterns sit in a trie of labels read from the right
 * ({@code www.corp.example} walks {@code example}, {@code corp}, {@code www}); IP addresses and CIDR ranges in a
 * binary trie of address bits, one per family. A lookup costs one step per label and one per address bit, whatever
 * the number of rules. Only the rare patterns neither trie can hold (the JDK's {@code 127.*} or {@code web*} forms)
 * are scanned. Immutable once built.
 */
public final class RuleIndex {

    /** One pattern of a rule; {@code port} 0 matches every port. */
    private record Entry(int index, int port, BypassRule pattern) {
        boolean portMatches(int destinationPort) {
            return port == 0 || port == destinationPort;
        }
    }

    private static final class NameNode {
        final Map<String, NameNode> children = new HashMap<>(4);
        /** Patterns naming exactly this node's name. */
        final List<Entry> exact = new ArrayList<>(1);
        /** {@code *.name}: patterns matching every name below this node. */
        final List<Entry> below = new ArrayList<>(1);
    }

    private static final class BitNode {
        BitNode zero;
        BitNode one;
        final List<Entry> entries = new ArrayList<>(1);
    }

    private final List<RouteRule> rules;
    private final NameNode names = new NameNode();
    private final BitNode v4 = new BitNode();
    private final BitNode v6 = new BitNode();
    private final List<Entry> scanned = new ArrayList<>();

    public RuleIndex(List<RouteRule> rules) {
        this.rules = List.copyOf(rules);
        for (int i = 0; i < this.rules.size(); i++) {
            for (BypassRule pattern : this.rules.get(i).patterns().rules()) {
                add(new Entry(i, pattern.port, pattern));
            }
        }
    }

    private void add(Entry e) {
        BypassRule p = e.pattern;
        if (p instanceof BypassRule.HostName h) {
            nameNode(h.name()).exact.add(e);
        } else if (p instanceof BypassRule.Cidr c) {
            BitNode node = c.network().length == 4 ? v4 : v6;
            byte[] network = c.network();
            for (int bit = 0; bit < c.prefix(); bit++) {
                if (bit(network, bit)) {
                    node = node.one == null ? (node.one = new BitNode()) : node.one;
                } else {
                    node = node.zero == null ? (node.zero = new BitNode()) : node.zero;
                }
            }
            node.entries.add(e);
        } else {
            String glob = ((BypassRule.Glob) p).pattern();
            if (Syntax.suffixGlob(glob) && !glob.endsWith(".")) {
                nameNode(glob.substring(2)).below.add(e);
            } else {
                scanned.add(e);
            }
        }
    }

    private NameNode nameNode(String name) {
        // Every label, empty ones included: "..corp" is three labels ("", "", "corp"), not the same name as "corp".
        NameNode node = names;
        int end = name.length();
        while (true) {
            int dot = name.lastIndexOf('.', end - 1);
            // Not computeIfAbsent with a lambda: it would spin a class while the JVM starts.
            String label = name.substring(dot + 1, end);
            NameNode child = node.children.get(label);
            if (child == null) {
                child = new NameNode();
                node.children.put(label, child);
            }
            node = child;
            if (dot < 0) {
                return node;
            }
            end = dot;
        }
    }

    private static boolean bit(byte[] a, int bit) {
        return (a[bit >> 3] & (0x80 >> (bit & 7))) != 0;
    }

    public List<RouteRule> rules() {
        return rules;
    }

    /**
     * @param host    the destination's host string (a name or an IP literal)
     * @param address its address, or null when unresolved
     * @param port    its port, or 0 for "some port" (a name lookup, which knows no port)
     * @return the first matching rule, or null
     */
    public RouteRule match(String host, InetAddress address, int port) {
        int best = Integer.MAX_VALUE;
        String h = BypassRule.normalize(host);
        NameNode node = names;
        int end = h.length();
        while (node != null) {
            int dot = h.lastIndexOf('.', end - 1);
            node = node.children.get(h.substring(dot + 1, end));
            if (node != null) {
                best = first(dot < 0 ? node.exact : node.below, port, best);
            }
            if (dot < 0) {
                break;
            }
            end = dot;
        }
        if (address != null) {
            byte[] a = address.getAddress();
            BitNode b = address instanceof Inet4Address ? v4 : v6;
            int bits = a.length * 8;
            for (int bit = 0; b != null; bit++) {
                best = first(b.entries, port, best);
                if (bit == bits) {
                    break;
                }
                b = bit(a, bit) ? b.one : b.zero;
            }
        }
        for (Entry e : scanned) {
            if (e.index >= best) {
                break;
            }
            if ((port == 0 || e.portMatches(port)) && e.pattern.matchesHost(host, address)) {
                best = e.index;
                break;
            }
        }
        return best == Integer.MAX_VALUE ? null : rules.get(best);
    }

    /** The lowest index below {@code best} of an entry matching {@code port} (entries are in index order). */
    private static int first(List<Entry> entries, int port, int best) {
        for (int i = 0, n = entries.size(); i < n; i++) {
            Entry e = entries.get(i);
            if (e.index >= best) {
                return best;
            }
            if (port == 0 || e.portMatches(port)) {
                return e.index;
            }
        }
        return best;
    }
}
