package io.socksify.protocol.wire;

/**
 * The protocol versions socksify speaks. SOCKS4a shares SOCKS4's version byte (4) on the wire; it differs in
 * sending host names for the proxy to resolve.
 */
public enum SocksVersion {
    SOCKS4,
    SOCKS4A,
    SOCKS5;

    /** @return whether this version can carry a host name for the proxy to resolve */
    public boolean resolvesRemotely() {
        return this != SOCKS4;
    }
}
