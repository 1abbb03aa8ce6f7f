package io.socksify.protocol.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * Opens connections through a SOCKS proxy: a direct {@link Socket} ({@link Proxy#NO_PROXY}) to the proxy, then the
 * handshake, both within one timeout. On any failure the socket is closed.
 */
public final class SocksClient {
    private SocksClient() {
    }

    /**
     * Connects to {@code destination} through {@code proxy}.
     *
     * @param destination an unresolved address is sent as a host name for the proxy to resolve
     * @param timeoutMillis the time for connecting to the proxy and the whole handshake, more than 0
     * @return the connected socket, its read timeout back at 0 (infinite)
     * @throws IOException as the table in {@link SocksConnectException} says; failing to reach the proxy itself
     *                     throws the socket's own exception type, its message naming the proxy
     */
    public static Socket connect(SocksProxy proxy, InetSocketAddress destination, int timeoutMillis)
            throws IOException {
        long deadline = deadline(timeoutMillis);
        Socket socket = open(proxy, deadline);
        try {
            // A plain Socket would send unprotected bytes the proxy cannot accept: fail closed before the request.
            SocksClientHandshake handshake = SocksClientHandshake.connect(proxy, destination)
                    .requireUnwrappedDataPath("use SocksClient.open, whose streams wrap");
            SocksHandshake.run(handshake, socket.getInputStream(), socket.getOutputStream(), socket::setSoTimeout,
                    deadline);
            socket.setSoTimeout(0);
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket, e);
            throw e;
        }
    }

    /**
     * Connects to {@code destination} through {@code proxy} and returns the connection with the streams to use: at
     * GSS-API protection levels integrity and confidentiality (RFC 1961) they wrap and unwrap every byte.
     *
     * @param timeoutMillis the time for connecting to the proxy and the whole handshake, more than 0
     * @throws IOException as the table in {@link SocksConnectException} says
     */
    public static SocksConnection open(SocksProxy proxy, InetSocketAddress destination, int timeoutMillis)
            throws IOException {
        long deadline = deadline(timeoutMillis);
        Socket socket = open(proxy, deadline);
        try {
            SocksClientHandshake handshake = SocksHandshake.connectHandshake(proxy, socket.getInputStream(),
                    socket.getOutputStream(), socket::setSoTimeout, destination, deadline);
            socket.setSoTimeout(0);
            return new SocksConnection(socket, handshake.boundAddress(), handshake.gssapiProtection());
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket, e);
            throw e;
        }
    }

    /**
     * Starts a BIND through {@code proxy}: returns once the proxy listens for {@code peer}. A wildcard listen address
     * is replaced with the address this socket reached the proxy at.
     *
     * @param timeoutMillis the time for connecting to the proxy and getting the first reply, more than 0
     */
    public static SocksBind bind(SocksProxy proxy, InetSocketAddress peer, int timeoutMillis) throws IOException {
        long deadline = deadline(timeoutMillis);
        Socket socket = open(proxy, deadline);
        try {
            return SocksHandshake.bind(proxy, socket.getInputStream(), socket.getOutputStream(),
                    socket::setSoTimeout, peer, deadline, socket.getInetAddress(), socket);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket, e);
            throw e;
        }
    }

    static long deadline(int timeoutMillis) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis: " + timeoutMillis + " (expected: > 0; a SOCKS "
                    + "handshake must never wait forever)");
        }
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Opens a direct TCP connection to the proxy within the deadline. */
    static Socket open(SocksProxy proxy, long deadlineNanos) throws IOException {
        InetSocketAddress address = resolve(proxy);
        Socket socket = new Socket(Proxy.NO_PROXY);
        try {
            socket.setTcpNoDelay(true);
            long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
            socket.connect(address, (int) Math.min(Integer.MAX_VALUE, remaining));
            return socket;
        } catch (IOException e) {
            closeQuietly(socket, e);
            throw rethrowNamingProxy(proxy, e);
        } catch (RuntimeException e) {
            closeQuietly(socket, e);
            throw e;
        }
    }

    /** @return a failure to reach the proxy itself, of the same type, its message naming the proxy */
    static IOException rethrowNamingProxy(SocksProxy proxy, IOException e) {
        IOException named;
        if (e instanceof SocketTimeoutException) {
            named = new SocketTimeoutException(proxy + ": timed out connecting to the proxy");
        } else if (e instanceof NoRouteToHostException) {
            named = new NoRouteToHostException(proxy + ": no route to the proxy: " + e.getMessage());
        } else if (e instanceof ConnectException) {
            named = new ConnectException(proxy + ": cannot connect to the proxy: " + e.getMessage());
        } else {
            return e;
        }
        named.initCause(e);
        return named;
    }

    static InetSocketAddress resolve(SocksProxy proxy) throws UnknownHostException {
        InetSocketAddress address = proxy.address();
        if (address.isUnresolved()) {
            address = new InetSocketAddress(address.getHostString(), address.getPort());
            if (address.isUnresolved()) {
                throw new UnknownHostException(proxy + ": cannot resolve the proxy's host name");
            }
        }
        return address;
    }

    static void closeQuietly(java.io.Closeable closeable, Throwable failure) {
        try {
            closeable.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
