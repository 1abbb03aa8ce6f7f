package io.socksify.protocol.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Blocking client handshakes over a connection that is already open to the proxy. They drive the one
 * {@link SocksClientHandshake} state machine over a socket's streams under one deadline for the whole exchange.
 *
 * <p>Before each read the read timeout is set from the time left, so no read blocks past the deadline; each read asks
 * for exactly {@link SocksClientHandshake#bytesNeeded()} bytes, so the proxy's bytes after its last reply stay in the
 * stream for the application. The read timeout is left at the last value set: the caller restores its own.
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
     * @throws IOException mapped as the table in {@link SocksConnectException} says ({@code ConnectException},
     *                     {@code NoRouteToHostException}, {@code SocketTimeoutException}, ...)
     */
    public static InetSocketAddress connect(SocksProxy proxy, InputStream in, OutputStream out,
            ReadTimeout readTimeout, InetSocketAddress destination, long deadlineNanos) throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(proxy, destination)
                .requireUnwrappedDataPath("use connectHandshake and wrap through its gssapiProtection()");
        run(handshake, in, out, readTimeout, deadlineNanos);
        return handshake.boundAddress();
    }

    /**
     * Like {@link #connect}, returning the finished handshake: its {@link SocksClientHandshake#gssapiProtection()}
     * says whether (and how) the data that follows must be wrapped (RFC 1961).
     */
    public static SocksClientHandshake connectHandshake(SocksProxy proxy, InputStream in, OutputStream out,
            ReadTimeout readTimeout, InetSocketAddress destination, long deadlineNanos) throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(proxy, destination);
        run(handshake, in, out, readTimeout, deadlineNanos);
        return handshake;
    }

    /**
     * Runs a BIND handshake up to the first reply: the proxy then listens for {@code peer}. A wildcard listen address
     * is replaced with the proxy's address from {@link SocksProxy#address()}.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which the first reply must have arrived; waiting for the
     *                      peer has its own deadline ({@link SocksBind#awaitPeer(long)})
     */
    public static SocksBind bind(SocksProxy proxy, InputStream in, OutputStream out, ReadTimeout readTimeout,
            InetSocketAddress peer, long deadlineNanos) throws IOException {
        InetAddress proxyAddress = proxy.address().isUnresolved() ? null : proxy.address().getAddress();
        return bind(proxy, in, out, readTimeout, peer, deadlineNanos, proxyAddress, null);
    }

    static SocksBind bind(SocksProxy proxy, InputStream in, OutputStream out, ReadTimeout readTimeout,
            InetSocketAddress peer, long deadlineNanos, InetAddress proxyAddress, java.net.Socket socket)
            throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.bind(proxy, peer)
                .requireUnwrappedDataPath("BIND does not wrap the peer's data yet");
        run(handshake, in, out, readTimeout, deadlineNanos);
        InetSocketAddress listen = handshake.listenAddress();
        if (proxyAddress == null && listen.getAddress() != null && listen.getAddress().isAnyLocalAddress()) {
            // The proxy's address was never resolved here: name it the way the user did.
            listen = InetSocketAddress.createUnresolved(proxy.address().getHostString(), listen.getPort());
        } else {
            listen = SocksClientHandshake.replaceWildcard(listen, proxyAddress);
        }
        return new SocksBind(handshake, in, out, readTimeout, listen, socket);
    }

    /**
     * Drives {@code handshake} until it is done, or, for BIND, until the first reply has arrived.
     *
     * @throws SocketTimeoutException if {@code deadlineNanos} passes first
     */
    public static void run(SocksClientHandshake handshake, InputStream in, OutputStream out, ReadTimeout readTimeout,
            long deadlineNanos) throws IOException {
        long start = System.nanoTime();
        long timeoutMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - start));
        byte[] buffer = new byte[600];
        while (true) {
            switch (handshake.status()) {
                case WRITE -> {
                    ByteBuffer chunk = ByteBuffer.wrap(buffer);
                    handshake.writeTo(chunk);
                    out.write(buffer, 0, chunk.position());
                    out.flush();
                }
                case READ -> {
                    if (handshake.command() == SocksClientHandshake.Command.BIND && handshake.listenAddress() != null
                            && handshake.boundAddress() == null) {
                        return;
                    }
                    readOnce(handshake, in, readTimeout, deadlineNanos, timeoutMillis, buffer);
                }
                case DONE -> {
                    return;
                }
                case FAILED -> throw new IllegalStateException("handshake already failed: " + handshake);
            }
        }
    }

    /** Reads what the handshake needs, within the deadline, and feeds it. */
    static void readOnce(SocksClientHandshake handshake, InputStream in, ReadTimeout readTimeout, long deadlineNanos,
            long timeoutMillis, byte[] buffer) throws IOException {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            throw handshake.timeoutException(timeoutMillis);
        }
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining + 999_999));
        readTimeout.set((int) Math.min(Integer.MAX_VALUE, millis));
        int n;
        try {
            n = in.read(buffer, 0, Math.min(buffer.length, handshake.bytesNeeded()));
        } catch (SocketTimeoutException e) {
            SocketTimeoutException timeout = handshake.timeoutException(timeoutMillis);
            timeout.initCause(e);
            throw timeout;
        }
        if (n < 0) {
            handshake.endOfStream();
        } else {
            handshake.readFrom(ByteBuffer.wrap(buffer, 0, n));
        }
    }
}
