package io.socksify.protocol.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;

/**
 * Blocking client handshakes over a connection that is already open to the proxy.
 */
public final class SocksHandshake {
    private SocksHandshake() {
    }

    /**
     * Runs the CONNECT handshake (greeting, authentication, request, reply) over {@code in}/{@code out}.
     *
     * @param destination a resolved address is sent as an IP literal; an unresolved one as a host name
     *                    (SOCKS5 domain, SOCKS4a); SOCKS4 rejects it, and IPv6 with SOCKS4/4a
     * @param deadlineNanos the {@link System#nanoTime()} by which the handshake must be done
     * @return the proxy's {@code BND.ADDR}/{@code BND.PORT}
     * @throws IOException mapped as the README's table says ({@code ConnectException},
     *                     {@code NoRouteToHostException}, {@code SocketTimeoutException}, ...)
     */
    public static InetSocketAddress connect(SocksProxy proxy, InputStream in, OutputStream out,
            ReadTimeout readTimeout, InetSocketAddress destination, long deadlineNanos) throws IOException {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
