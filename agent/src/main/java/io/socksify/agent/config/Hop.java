package io.socksify.agent.config;

import io.socksify.protocol.client.SocksProxy;

/**
 * One proxy of a route: its address, version and credentials, and whether its scheme lets host names through
 * ({@code socks5h}, {@code socks4a}): a hop before it then sends this hop's host name as is, else resolves it here.
 *
 * @param text the hop as the user wrote it, password masked: how logs, errors and metrics name it
 */
public record Hop(SocksProxy proxy, boolean remoteNames, String text) {
    @Override
    public String toString() {
        return text;
    }
}
