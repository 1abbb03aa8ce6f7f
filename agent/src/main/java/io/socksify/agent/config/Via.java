package io.socksify.agent.config;

import java.util.List;

/**
 * Where a rule sends its connections: {@code direct}, {@code block}, or a failover group of chains
 * ({@code a>b|c}: {@code >} binds tighter than {@code |}); a single proxy is a group of one chain of one hop.
 */
public final class Via {
    public enum Kind { DIRECT, BLOCK, PROXY }

    public static final Via DIRECT = new Via(Kind.DIRECT, List.of());
    public static final Via BLOCK = new Via(Kind.BLOCK, List.of());

    private final Kind kind;
    private final List<Chain> alternatives;

    private Via(Kind kind, List<Chain> alternatives) {
        this.kind = kind;
        this.alternatives = List.copyOf(alternatives);
    }

    public static Via proxies(List<Chain> alternatives) {
        if (alternatives.isEmpty()) {
            throw new IllegalArgumentException("a group has at least one alternative");
        }
        return new Via(Kind.PROXY, alternatives);
    }

    public Kind kind() {
        return kind;
    }

    /** @return the group's alternatives in the order written; empty for direct and block */
    public List<Chain> alternatives() {
        return alternatives;
    }

    /** @return the first alternative, the one whose last hop decides the destination's form */
    public Chain primary() {
        return alternatives.get(0);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case DIRECT -> "direct";
            case BLOCK -> "block";
            case PROXY -> {
                StringBuilder sb = new StringBuilder();
                for (Chain c : alternatives) {
                    sb.append(sb.length() == 0 ? "" : " | ").append(c);
                }
                yield sb.toString();
            }
        };
    }
}
