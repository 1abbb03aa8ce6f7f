package io.socksify.agent.route;

import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.protocol.client.ReadTimeout;
import io.socksify.protocol.client.SocksClientHandshake;
import io.socksify.protocol.client.SocksHandshake;
import io.socksify.agent.config.Chain;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The blocking connect through the proxy that {@code java.net.Socket} ({@link SocketRouting}) and a blocking
 * {@code SocketChannel} share: TCP to the proxy within the budget, then the SOCKS handshake over the connection's own
 * streams, one deadline for both (SO_TIMEOUT bounds every read of the handshake, and is restored after it). Every
 * failure closes the connection; not reaching the proxy becomes the exception a direct connection would have given
 * ({@link SocketRouting#proxyUnreachable}). Nothing falls back to a direct connection.
 */
public final class ProxyConnect {

    private ProxyConnect() {
    }

    /** The connection being made: a socket's platform impl, or a channel. */
    public interface Connection {
        /** The JDK's own timed connect; may close the connection when it fails. */
        void connect(InetSocketAddress proxy, int timeoutMillis) throws IOException;

        InputStream input() throws IOException;

        OutputStream output() throws IOException;

        int soTimeout() throws IOException;

        void soTimeout(int millis) throws IOException;

        /** Closes after a failure, adding a failure of the close to {@code failure}. */
        void close(Throwable failure);
    }

    /**
     * A blocking {@code SocketChannel} as a {@link Connection}: the socket adaptor's streams, whose reads honour
     * SO_TIMEOUT; a failure of the close is added to the connection's failure. Subclasses say how it connects.
     */
    public abstract static class OverChannel implements Connection {
        protected final SocketChannel channel;

        protected OverChannel(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public InputStream input() throws IOException {
            return channel.socket().getInputStream();
        }

        @Override
        public OutputStream output() throws IOException {
            return channel.socket().getOutputStream();
        }

        @Override
        public int soTimeout() throws IOException {
            return channel.socket().getSoTimeout();
        }

        @Override
        public void soTimeout(int millis) throws IOException {
            channel.socket().setSoTimeout(millis);
        }

        @Override
        public void close(Throwable failure) {
            try {
                channel.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Connects {@code connection} to the route's first hop and runs each hop's handshake in turn over it, the last
     * asking for the route's target; one deadline covers the TCP connect and every handshake. On return the last
     * proxy relays to the destination.
     *
     * @param kind "socket" or "channel", for the log
     * @return the chain the connection went through
     * @throws ClosedChannelException as thrown by the connection's connect (closed meanwhile: not the proxy's fault)
     */
    public static Chain connect(Router router, Route route, InetSocketAddress destination, int budgetMillis,
            Connection connection, String kind) throws IOException {
        return connect(router, route, destination, budgetMillis, connection, kind, null);
    }

    /**
     * As {@link #connect(Router, Route, InetSocketAddress, int, Connection, String)}; with {@code last} non-null the
     * last hop may agree to a GSS-API level that wraps data (the caller relays: {@link GssapiRelay}), and its
     * finished handshake is stored in {@code last[0]}.
     */
    static Chain connect(Router router, Route route, InetSocketAddress destination, int budgetMillis,
            Connection connection, String kind, SocksClientHandshake[] last) throws IOException {
        // The JDK closes a socket or channel whose connect failed: one connection tries one alternative; the
        // failure marks the proxy down, so that the next connection takes the next alternative at once.
        Chain chain = router.order(route.via()).get(0);
        long started = System.nanoTime();
        long deadline = started + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        InetSocketAddress[] targets;
        try {
            targets = Hops.targets(chain, route.target());
            connection.connect(Router.resolve(chain.first()), budgetMillis);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            connection.close(e);
            IOException failure = Hops.unreachable(router, chain, e, destination);
            Log.get("socksify").debug("{} {} -> failed after {} ms: {}", kind, Printable.address(destination),
                    Hops.millisSince(started), failure.getMessage());
            throw failure;
        }
        int hop = 0;
        SocksClientHandshake[] done = new SocksClientHandshake[chain.size()];
        try {
            int previousTimeout = connection.soTimeout();
            SoTimeout timeout = new SoTimeout(connection);
            for (; hop < chain.size(); hop++) {
                SocksClientHandshake h = SocksClientHandshake.connect(chain.hops().get(hop).proxy(), targets[hop]);
                // Not relayed (last == null): the options' own unprotectedDataPath refuses a level that wraps.
                if (last != null && hop < chain.size() - 1) {
                    h.requireUnwrappedDataPath(GssapiRelay.CHAIN_ONLY);
                } else if (last != null) {
                    // The one handshake whose data path wraps: the relay's (GssapiOptions deny by default).
                    h.wrapsDataPath();
                }
                SocksHandshake.run(h, connection.input(), connection.output(), timeout, deadline);
                done[hop] = h;
            }
            connection.soTimeout(previousTimeout);
        } catch (IOException e) {
            connection.close(e);
            IOException failure = Hops.hopFailed(router, chain, Math.min(hop, chain.size() - 1), e);
            Log.get("socksify").debug("{} {} -> failed via {} after {} ms: {}", kind,
                    Printable.address(destination), chain,
                    Hops.millisSince(started), failure.toString());
            throw failure;
        } catch (RuntimeException | Error e) {
            connection.close(e);
            Log.get("socksify").debug("{} {} -> failed via {} after {} ms: {}", kind,
                    Printable.address(destination), chain,
                    Hops.millisSince(started), e.toString());
            throw e;
        }
        if (last != null) {
            last[0] = done[chain.size() - 1];
        }
        Hops.succeeded(router, chain, done);
        Log.get("socksify").debug("{} {} -> via {} ({}) in {} ms", kind, Printable.address(destination), chain,
                route.reason(),
                Hops.millisSince(started));
        return chain;
    }

    /** Sets SO_TIMEOUT for each read of the handshake; a class rather than a method reference (no class spinning). */
    private static final class SoTimeout implements ReadTimeout {
        private final Connection connection;

        SoTimeout(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void set(int millis) throws IOException {
            connection.soTimeout(millis);
        }
    }
}
