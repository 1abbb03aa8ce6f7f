package io.socksify.agent.config;

/** What happens to UDP traffic (the UDP path itself comes with its own issue). */
public enum UdpMode {
    /** Datagrams go through the proxy's UDP relay (SOCKS5 UDP ASSOCIATE). */
    PROXY,
    /** Datagrams to routed destinations fail. */
    BLOCK,
    /** Datagrams go out directly: a leak the user accepted explicitly. */
    DIRECT
}
