package io.socksify.agent.config;

import java.util.List;

/** Proxies one connection runs through, hop after hop over the same TCP connection ({@code a>b}). */
public record Chain(List<Hop> hops) {
    public Chain {
        hops = List.copyOf(hops);
        if (hops.isEmpty()) {
            throw new IllegalArgumentException("a chain has at least one hop");
        }
    }

    public Hop first() {
        return hops.get(0);
    }

    public Hop last() {
        return hops.get(hops.size() - 1);
    }

    public int size() {
        return hops.size();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Hop hop : hops) {
            sb.append(sb.length() == 0 ? "" : " > ").append(hop);
        }
        return sb.toString();
    }
}
