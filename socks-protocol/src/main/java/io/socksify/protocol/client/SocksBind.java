package io.socksify.protocol.client;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/**
 * A SOCKS BIND in progress (RFC 1928 section 4; SOCKS4 {@code CD} 2): the proxy listens at
 * {@link #listenAddress()} for one connection from the peer; {@link #awaitPeer(long)} waits for the second reply,
 * after which the connection to the proxy carries the peer's data. Typical use is an FTP-style data connection:
 * tell the peer the listen address, then await it.
 */
public final class SocksBind implements Closeable {
    private final SocksClientHandshake handshake;
    private final InputStream in;
    private final OutputStream out;
    private final ReadTimeout readTimeout;
    private final InetSocketAddress listenAddress;
    private final Socket socket;

    SocksBind(SocksClientHandshake handshake, InputStream in, OutputStream out, ReadTimeout readTimeout,
            InetSocketAddress listenAddress, Socket socket) {
        this.handshake = handshake;
        this.in = in;
        this.out = out;
        this.readTimeout = readTimeout;
        this.listenAddress = listenAddress;
        this.socket = socket;
    }

    /** @return where the peer must connect: the first reply's {@code BND}, a wildcard replaced by the proxy's address */
    public InetSocketAddress listenAddress() {
        return listenAddress;
    }

    /** @return the first reply's {@code BND} exactly as the proxy sent it */
    public InetSocketAddress reportedListenAddress() {
        return handshake.listenAddress();
    }

    /**
     * Waits for the second reply, which the proxy sends when the peer has connected.
     *
     * @param deadlineNanos the {@link System#nanoTime()} by which the peer must have connected
     * @return the peer's address as the proxy reports it
     * @throws java.net.SocketTimeoutException if no peer connected in time; the other failures as the table in
     *                                         {@link SocksConnectException} says
     */
    public InetSocketAddress awaitPeer(long deadlineNanos) throws IOException {
        if (handshake.status() == SocksClientHandshake.Status.DONE) {
            return handshake.boundAddress();
        }
        long timeoutMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        byte[] buffer = new byte[600];
        while (handshake.status() == SocksClientHandshake.Status.READ) {
            SocksHandshake.readOnce(handshake, in, readTimeout, deadlineNanos, timeoutMillis, buffer);
        }
        if (handshake.status() != SocksClientHandshake.Status.DONE) {
            throw new IllegalStateException("BIND handshake in state " + handshake.status());
        }
        return handshake.boundAddress();
    }

    /** @return the peer's address once {@link #awaitPeer(long)} returned, else null */
    public InetSocketAddress peerAddress() {
        return handshake.boundAddress();
    }

    /**
     * @return the connection to the proxy when {@link SocksClient#bind} opened it (it carries the peer's data after
     *         {@link #awaitPeer(long)}), or null when the handshake ran over streams the caller owns
     */
    public Socket socket() {
        return socket;
    }

    public InputStream inputStream() {
        return in;
    }

    public OutputStream outputStream() {
        return out;
    }

    /** Closes the connection to the proxy if {@link SocksClient#bind} opened it; otherwise the caller owns it. */
    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "SocksBind[" + handshake.context() + ", listening at " + listenAddress + "]";
    }
}
