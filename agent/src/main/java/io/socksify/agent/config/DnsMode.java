package io.socksify.agent.config;

/** Where host names of routed destinations are resolved. */
public enum DnsMode {
    /** The proxy resolves host names (SOCKS5 domain address, SOCKS4a); nothing is looked up here. */
    REMOTE,
    /** Host names are resolved here and the proxy gets IP addresses. */
    LOCAL
}
