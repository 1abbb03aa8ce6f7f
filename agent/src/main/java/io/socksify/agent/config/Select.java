package io.socksify.agent.config;

/** How a failover group picks its first alternative for a connection (proxychains' chain modes). */
public enum Select {
    /** The first live alternative in the order written. */
    ORDER,
    /** Each connection starts one alternative further. */
    ROUND_ROBIN,
    /** Each connection starts at a random alternative. */
    RANDOM
}
