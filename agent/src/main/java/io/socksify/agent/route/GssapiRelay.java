package io.socksify.agent.route;

import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.config.Chain;
import io.socksify.protocol.client.GssapiOptions;
import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.client.SocksClientHandshake;
import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.wire.Socks5GssapiEncapsulation;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import org.slf4j.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * The data path of a GSS-API (RFC 1961) connection at level integrity or confidentiality (GSSAPI-DESIGN.md, "Data
 * protection"): socksify holds the protected connection to the proxy on its own channel ({@link #connect}), the
 * application's descriptor is connected to a one-shot loopback listener ({@link Listener}), and one thread,
 * {@code socksify-gssapi-relay}, with one selector, wraps what the application writes and unwraps what the proxy
 * sends, for every protected connection. The thread starts with the first connection and ends with the last.
 */
public final class GssapiRelay implements Runnable {
    private static final Logger LOG = Log.get("socksify");
    static final String THREAD = "socksify-gssapi-relay";
    /** How long the loopback accept may take: the application's connect to the listener has already been made. */
    private static final int ACCEPT_MILLIS = 10_000;
    /**
     * After the application leg's end of stream (its {@code close()} or {@code shutdownOutput()}) and the relay's
     * {@code shutdownOutput} to the proxy, how long the proxy may stay silent before both legs are reset (as the
     * kernel limits an orphaned connection's {@code FIN_WAIT2}).
     */
    static final long HALF_CLOSED_IDLE_MILLIS = 60_000;
    /** The limit connections get when they start: {@link #HALF_CLOSED_IDLE_MILLIS}; tests shorten it. */
    static volatile long halfClosedIdleMillis = HALF_CLOSED_IDLE_MILLIS;
    /**
     * Fairness: the most chunks (reads of the application, messages of the proxy) one direction of one connection
     * moves per round, so that one busy connection cannot hold the relay thread.
     */
    static final int CHUNKS_PER_STEP = 16;
    private static final Object LOCK = new Object();
    /** Guarded by LOCK. */
    private static GssapiRelay running;

    private final Selector selector;
    /** Guarded by LOCK: connections handed over, not yet registered; and every connection the relay owns. */
    private final Queue<Pair> submitted = new ArrayDeque<>();
    private int connections;
    /** Relay thread only: connections that stopped at their share of a round ({@link #CHUNKS_PER_STEP}). */
    private final ArrayDeque<Pair> again = new ArrayDeque<>();
    /** Relay thread only: connections whose application leg ended, waiting for the proxy's end. */
    private final java.util.List<Pair> halfClosed = new java.util.ArrayList<>();

    private GssapiRelay(Selector selector) {
        this.selector = selector;
    }

    /**
     * @return whether a connection on {@code route} goes through the relay: the last hop of one of its chains may use
     *         GSS-API at a level that wraps data (the configured lowest level is integrity or confidentiality)
     */
    public static boolean needed(Route route) {
        if (route.direct()) {
            return false;
        }
        for (Chain chain : route.via().alternatives()) {
            GssapiOptions g = chain.hops().get(chain.size() - 1).proxy().gssapi();
            if (g != null && g.level().encapsulates()) {
                return true;
            }
        }
        return false;
    }

    /** What a hop before the last says when the proxy agrees to a level that wraps: not carried through a chain. */
    static final String CHAIN_ONLY = "socksify relays GSS-API protection at the last hop of a chain only";

    /** socksify's own connection to the proxy, its handshake done: the protected leg of one relayed connection. */
    public static final class Upstream implements Closeable {
        final SocketChannel channel;
        final GssapiProtection protection;
        final Chain chain;

        Upstream(SocketChannel channel, GssapiProtection protection, Chain chain) {
            this.channel = channel;
            this.protection = protection;
            this.chain = chain;
        }

        /** @return the chain the connection went through */
        public Chain chain() {
            return chain;
        }

        /** @return the level's name for messages ("clear" when the proxy chose no wrapping) */
        public String level() {
            return protection == null ? "none" : protection.level().toString();
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    /**
     * Connects socksify's own channel through the route's chain and runs every handshake on it, with the
     * application's deadline; failures are those of {@link ProxyConnect#connect} (the application's descriptor is
     * untouched).
     */
    public static Upstream connect(Router router, Route route, InetSocketAddress destination, int budgetMillis,
            String kind) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            SocksClientHandshake[] last = new SocksClientHandshake[1];
            Chain chain = ProxyConnect.connect(router, route, destination, budgetMillis, new OwnChannel(channel),
                    kind, last);
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return new Upstream(channel, last[0].gssapiProtection(), chain);
        } catch (IOException | Error e) {
            closeQuietly(channel);
            throw e;
        } catch (RuntimeException e) {
            // One mapping for every path (socket, channels): an internal error is the connection's SocketException.
            closeQuietly(channel);
            throw internal(destination, configuredLevel(route), e);
        }
    }

    /** @return the lowest level the route's last hops are configured with, for messages before the handshake */
    public static String configuredLevel(Route route) {
        if (route.direct()) {
            return "none";
        }
        for (Chain chain : route.via().alternatives()) {
            GssapiOptions g = chain.hops().get(chain.size() - 1).proxy().gssapi();
            if (g != null && g.level().encapsulates()) {
                return g.level().toString();
            }
        }
        return "none";
    }

    /**
     * The application's side of one relayed connect: its socket's impl or its channel, whatever the path. Checked
     * open before the relay starts (a {@code close()} from another thread during the handshake aborts it).
     */
    public abstract static class Application {
        /** @return whether the application has not closed its socket or channel */
        public abstract boolean isOpen();

        /** Closes it after a failure, as the JDK does after a failed connect (a no-op where finishConnect does). */
        public abstract void close(Throwable failure);

        /** @return what the JDK throws when the socket or channel is closed during its connect */
        public abstract IOException closedMeanwhile();

        /**
         * Blocking paths ({@link #connectBlocking}): connects the application's descriptor to the listener within
         * {@code budgetMillis}, the JDK's own connect.
         *
         * @return the descriptor's local address after it
         */
        public InetSocketAddress connectLoopback(InetSocketAddress listener, int budgetMillis) throws IOException {
            throw new UnsupportedOperationException("not a blocking path");
        }
    }

    /**
     * The whole relayed connect of a blocking path ({@code Socket}, a blocking {@code SocketChannel}), on the
     * caller's thread: the protected connection to the proxy, the listener, the descriptor's loopback connect, then
     * {@link #splice}; every failure through {@link #abort}.
     */
    public static void connectBlocking(Router router, Route route, InetSocketAddress endpoint, int budgetMillis,
            String kind, Application app) throws IOException {
        Upstream upstream;
        try {
            upstream = connect(router, route, endpoint, budgetMillis, kind);
        } catch (Throwable t) {
            throw abort(null, null, app, endpoint, t);
        }
        Listener listener = null;
        InetSocketAddress local;
        try {
            listener = new Listener();
            local = app.connectLoopback(listener.address(), budgetMillis);
        } catch (Throwable t) {
            throw abort(upstream, listener, app, endpoint, t);
        }
        splice(upstream, listener, local, app, endpoint);
    }

    /**
     * The end every relayed connect shares, whatever the path: accepts the descriptor's connection from
     * {@code local}, checks that the application has not closed it meanwhile, and starts the relay. On any failure
     * the listener, the upstream and the application are closed ({@link #abort}).
     */
    public static void splice(Upstream upstream, Listener listener, InetSocketAddress local, Application app,
            InetSocketAddress endpoint) throws IOException {
        try {
            SocketChannel leg = listener.accept(local);
            if (!app.isOpen()) {
                closeQuietly(leg);
                throw app.closedMeanwhile();
            }
            start(upstream, leg);
        } catch (Throwable t) {
            throw abort(upstream, listener, app, endpoint, t);
        }
    }

    /**
     * Closes what a failed relayed connect has set up (each may be null) and maps the failure, the same on every
     * path: a closed channel's own exception and the application's close as the JDK reports them, a failure before
     * the upstream existed as {@link ProxyConnect} reported it, any other {@code IOException} or
     * {@code RuntimeException} as a {@code SocketException} naming the level ({@link #failed}). An {@code Error} is
     * thrown as it is.
     *
     * @return the exception to throw
     */
    public static IOException abort(Upstream upstream, Listener listener, Application app,
            InetSocketAddress endpoint, Throwable t) {
        boolean closedByApplication = app != null && !app.isOpen();
        if (listener != null) {
            listener.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (app != null) {
            app.close(t);
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (closedByApplication) {
            // Closed by the application meanwhile: what the JDK reports for a close during a connect.
            IOException closed = app.closedMeanwhile();
            if (closed.getClass().isInstance(t)) {
                return (IOException) t;
            }
            closed.addSuppressed(t);
            return closed;
        }
        if (t instanceof java.nio.channels.ClosedChannelException c) {
            return c;
        }
        if (upstream == null) {
            return t instanceof IOException e ? e : internal(endpoint, "as configured", t);
        }
        return failed(upstream, endpoint, t);
    }

    /** An internal error (a RuntimeException or Error) of a relayed connect, as the connection's SocketException. */
    public static SocketException internal(InetSocketAddress endpoint, String level, Throwable e) {
        SocketException failure = new SocketException("socksify: internal error while connecting to "
                + Printable.address(endpoint) + " through the GSS-API relay (protection level " + level
                + "; nothing was sent directly): " + e);
        failure.initCause(e);
        return failure;
    }

    /**
     * A listener on {@code 127.0.0.1:0} that accepts exactly one connection, the application's descriptor, and is
     * closed right after.
     */
    public static final class Listener implements Closeable {
        private final ServerSocketChannel server;
        private final InetSocketAddress address;

        public Listener() throws IOException {
            server = ServerSocketChannel.open();
            try {
                server.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 1);
                address = (InetSocketAddress) server.getLocalAddress();
            } catch (IOException | RuntimeException e) {
                closeQuietly(server);
                throw e;
            }
        }

        /** @return where the application's descriptor connects */
        public InetSocketAddress address() {
            return address;
        }

        /**
         * Accepts the connection from {@code expected} (the application's descriptor's local address and port,
         * exactly: a 4-tuple is unique, so no other socket can present it); any other is closed at once. The wait
         * is {@link #ACCEPT_MILLIS} in all, however many foreign connections arrive. The listener is closed on return.
         *
         * @throws SocketException if the application's connection does not arrive
         */
        public SocketChannel accept(InetSocketAddress expected) throws IOException {
            return accept(expected, ACCEPT_MILLIS);
        }

        SocketChannel accept(InetSocketAddress expected, int acceptMillis) throws IOException {
            try {
                if (expected == null || expected.getAddress() == null || expected.getPort() == 0) {
                    throw new SocketException("socksify: the application's descriptor has no local address after "
                            + "its connect to the GSS-API relay (loopback " + Printable.address(address) + "): "
                            + expected + "; nothing was sent");
                }
                if (expected.getAddress().isAnyLocalAddress()) {
                    // Bound to the wildcard (a pending channel still reports it): the kernel picks the listener's own
                    // address as the source of a connection to it.
                    expected = new InetSocketAddress(address.getAddress(), expected.getPort());
                }
                long deadline = System.nanoTime() + acceptMillis * 1_000_000L;
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        break;
                    }
                    server.socket().setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                    SocketChannel accepted;
                    try {
                        accepted = server.socket().accept().getChannel();
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteAddress();
                    if (remote.getPort() == expected.getPort() && remote.getAddress().equals(expected.getAddress())) {
                        accepted.configureBlocking(false);
                        accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        return accepted;
                    }
                    LOG.warn("socksify: a connection from {} raced for the GSS-API relay's loopback listener {} "
                            + "(expected {}); closed", Printable.address(remote), Printable.address(address),
                            Printable.address(expected));
                    closeQuietly(accepted);
                }
                throw new SocketException("socksify: the application's connection to the GSS-API relay (loopback "
                        + Printable.address(address) + ", from " + Printable.address(expected) + ") did not arrive "
                        + "within " + acceptMillis + " ms; nothing was sent");
            } finally {
                closeQuietly(server);
            }
        }

        @Override
        public void close() {
            closeQuietly(server);
        }
    }

    /** The relay could not be put in: the connect fails naming the level, never connects unprotected. */
    public static IOException failed(GssapiRelay.Upstream upstream, InetSocketAddress endpoint, Throwable e) {
        return failed(upstream.level(), endpoint, e);
    }

    /** As {@link #failed(Upstream, InetSocketAddress, Throwable)}, before the upstream exists. */
    public static IOException failed(String level, InetSocketAddress endpoint, Throwable e) {
        SocketException failure = new SocketException("socksify: " + Printable.address(endpoint) + ": the GSS-API "
                + "relay for protection level " + level + " could not be set up (nothing was sent): " + e);
        failure.initCause(e);
        return failure;
    }

    /**
     * Hands both legs to the relay thread, which from now on owns them.
     *
     * @throws IOException if the relay cannot start (its selector): {@code application} is closed then, and the
     *                     caller closes {@code upstream}; if its thread cannot start, both legs are closed and the
     *                     failure is rethrown
     */
    public static void start(Upstream upstream, SocketChannel application) throws IOException {
        Pair pair = new Pair(application, upstream.channel, upstream.protection);
        GssapiRelay relay;
        synchronized (LOCK) {
            relay = running;
            if (relay == null) {
                Selector s;
                try {
                    s = Selector.open();
                } catch (IOException | RuntimeException e) {
                    closeQuietly(application);
                    throw e;
                }
                try {
                    relay = new GssapiRelay(s);
                    Thread thread = new Thread(relay, THREAD);
                    thread.setDaemon(true);
                    thread.start();
                } catch (Throwable t) {
                    // No thread (e.g. "unable to create native thread"): nothing relays, so nothing stays open.
                    closeQuietly(s);
                    closeQuietly(application);
                    closeQuietly(upstream.channel);
                    throw t;
                }
                // Published once the thread runs: a later start must never hand a connection to a relay without one.
                running = relay;
            }
            relay.connections++;
            relay.submitted.add(pair);
        }
        relay.selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (true) {
                Pair next;
                synchronized (LOCK) {
                    if (connections == 0) {
                        running = null;
                        closeQuietly(selector);
                        return;
                    }
                    next = submitted.poll();
                }
                if (next != null) {
                    try {
                        next.register(selector);
                    } catch (IOException | RuntimeException e) {
                        ended(next, e);
                    }
                    handle(next);
                    continue;
                }
                long now = System.nanoTime();
                long wait = expireHalfClosed(now);
                if (wait < 0) {
                    continue; // some were reset: perhaps the last connection
                }
                if (!again.isEmpty()) {
                    selector.selectNow();
                } else if (wait > 0) {
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
                } else {
                    selector.select();
                }
                // Connections that stopped at their share last round go on first, then those the selector reports.
                int queued = again.size();
                for (int i = 0; i < queued; i++) {
                    Pair pair = again.poll();
                    pair.queued = false;
                    handle(pair);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    handle((Pair) key.attachment());
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable t) {
            // Never leave a connection unrelayed and open: reset every one this relay owns.
            LOG.error("{}: unexpected failure, resetting its connections: {}", THREAD, t.toString());
            for (SelectionKey key : selector.keys()) {
                ((Pair) key.attachment()).reset();
            }
            synchronized (LOCK) {
                for (Pair p : submitted) {
                    p.reset();
                }
                submitted.clear();
                connections = 0;
                running = null;
            }
            closeQuietly(selector);
        }
    }

    /** Steps one connection: queued again if it stopped at its share, counted off once closed. */
    private void handle(Pair pair) {
        if (pair.closed) {
            return;
        }
        try {
            if (pair.step() && !pair.queued) {
                pair.queued = true;
                again.add(pair);
            }
        } catch (IOException | RuntimeException e) {
            ended(pair, e);
        }
        if (pair.halfClosedSince != 0 && !pair.watched) {
            pair.watched = true;
            halfClosed.add(pair);
        }
        if (pair.closed) {
            done();
        }
    }

    /**
     * Resets the connections whose application leg ended and whose proxy has sent nothing for
     * {@link #halfClosedIdleMillis} since (the application's {@code close()} looks like a half-close here; the
     * kernel's {@code FIN_WAIT2} limit, for the proxy leg).
     *
     * @return nanoseconds until the next such deadline, 0 if none, -1 if connections were reset
     */
    private long expireHalfClosed(long now) {
        long wait = 0;
        boolean reset = false;
        for (java.util.Iterator<Pair> it = halfClosed.iterator(); it.hasNext(); ) {
            Pair pair = it.next();
            if (pair.closed || pair.proxyEof) {
                it.remove();
                pair.watched = false;
                continue;
            }
            long left = pair.halfClosedSince + pair.idleNanos - now;
            if (left <= 0) {
                it.remove();
                LOG.debug("{}: the application's leg ended and the proxy sent nothing for {} ms: both legs reset",
                        THREAD, TimeUnit.NANOSECONDS.toMillis(pair.idleNanos));
                pair.reset();
                done();
                reset = true;
            } else if (wait == 0 || left < wait) {
                wait = left;
            }
        }
        return reset ? -1 : wait;
    }

    private static void ended(Pair pair, Exception e) {
        LOG.debug("{}: connection reset ({})", THREAD, e.toString());
        pair.reset();
    }

    private void done() {
        synchronized (LOCK) {
            connections--;
        }
    }

    /** One relayed connection: the application's leg (plain) and the proxy's (wrapped). Relay thread only. */
    private static final class Pair {
        private final SocketChannel app;
        private final SocketChannel proxy;
        private final GssapiProtection protection;
        private final boolean wraps;
        private final ByteBuffer appIn;
        private ByteBuffer toProxy = ByteBuffer.allocate(0);
        private final ByteBuffer proxyIn = ByteBuffer.allocate(4 + Socks5GssapiMessage.MAX_TOKEN_LENGTH);
        private ByteBuffer toApp = ByteBuffer.allocate(0);
        private SelectionKey appKey;
        private SelectionKey proxyKey;
        private boolean appEof;
        private boolean proxyOutShut;
        private boolean proxyEof;
        private boolean appOutShut;
        boolean closed;
        /** Relay thread: in {@code again}; in {@code halfClosed}. */
        boolean queued;
        boolean watched;
        /** When the proxy last sent something after the application leg ended (0: not half-closed). */
        long halfClosedSince;
        final long idleNanos = TimeUnit.MILLISECONDS.toNanos(halfClosedIdleMillis);
        private boolean more;

        Pair(SocketChannel app, SocketChannel proxy, GssapiProtection protection) {
            this.app = app;
            this.proxy = proxy;
            this.protection = protection;
            this.wraps = protection != null && protection.level().encapsulates();
            this.appIn = ByteBuffer.allocate(wraps ? protection.maxChunk() : 65_536);
            if (!wraps) {
                proxyIn.limit(0);
            }
        }

        void register(Selector selector) throws IOException {
            appKey = app.register(selector, 0, this);
            proxyKey = proxy.register(selector, 0, this);
        }

        /**
         * Moves bytes both ways as far as the sockets allow (at most {@link #CHUNKS_PER_STEP} chunks each way), then
         * waits for what each direction needs next.
         *
         * @return whether a direction stopped at its share (step again next round)
         */
        boolean step() throws IOException {
            more = false;
            toProxy();
            toApp();
            if (appEof && proxyOutShut && !toProxy.hasRemaining() && proxyEof && appOutShut) {
                close();
                return false;
            }
            if (appEof && proxyOutShut && !proxyEof && halfClosedSince == 0) {
                halfClosedSince = System.nanoTime();
            }
            appKey.interestOps((!appEof && !toProxy.hasRemaining() ? SelectionKey.OP_READ : 0)
                    | (toApp.hasRemaining() ? SelectionKey.OP_WRITE : 0));
            proxyKey.interestOps((!proxyEof && !toApp.hasRemaining() ? SelectionKey.OP_READ : 0)
                    | (toProxy.hasRemaining() ? SelectionKey.OP_WRITE : 0));
            return more;
        }

        private void toProxy() throws IOException {
            int chunks = 0;
            while (true) {
                if (toProxy.hasRemaining()) {
                    proxy.write(toProxy);
                    if (toProxy.hasRemaining()) {
                        return;
                    }
                }
                if (appEof) {
                    if (!proxyOutShut) {
                        proxyOutShut = true;
                        proxy.shutdownOutput();
                    }
                    return;
                }
                if (chunks++ == CHUNKS_PER_STEP) {
                    more = true;
                    return;
                }
                appIn.clear();
                int n = app.read(appIn);
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    appEof = true;
                    continue;
                }
                appIn.flip();
                if (wraps) {
                    toProxy = ByteBuffer.wrap(protection.wrap(appIn.array(), 0, appIn.limit()).toBytes());
                } else {
                    toProxy = appIn;
                }
            }
        }

        private void toApp() throws IOException {
            int chunks = 0;
            while (true) {
                if (toApp.hasRemaining()) {
                    app.write(toApp);
                    if (toApp.hasRemaining()) {
                        return;
                    }
                }
                if (chunks++ == CHUNKS_PER_STEP) {
                    more = true;
                    return;
                }
                if (wraps ? nextMessage() : proxyIn.hasRemaining()) {
                    if (!wraps) {
                        toApp = proxyIn;
                    }
                    continue;
                }
                if (proxyEof) {
                    if (wraps && proxyIn.position() > 0) {
                        throw new SocketException("GSS-API: the proxy's connection ended inside an RFC 1961 MTYP 3 "
                                + "message");
                    }
                    if (!appOutShut) {
                        appOutShut = true;
                        app.shutdownOutput();
                    }
                    return;
                }
                if (!wraps) {
                    proxyIn.clear();
                }
                int n = proxy.read(proxyIn);
                if (!wraps) {
                    proxyIn.flip();
                }
                if (n == 0) {
                    return;
                }
                if (n > 0 && halfClosedSince != 0) {
                    halfClosedSince = System.nanoTime(); // the proxy is not silent
                }
                if (n < 0) {
                    proxyEof = true;
                }
            }
        }

        /**
         * Takes one whole {@code MTYP} 3 message out of {@code proxyIn} (which holds what was read, from position 0
         * to its position) with the wire codec's incremental decode, and unwraps it into {@code toApp}.
         *
         * @return whether a message was taken
         * @throws SocketException for the abort; a {@code SocksProtocolException} for another {@code VER} or
         *                         {@code MTYP}, as soon as seen
         */
        private boolean nextMessage() throws IOException {
            proxyIn.flip();
            Socks5GssapiMessage m;
            try {
                m = Socks5GssapiMessage.decode(proxyIn, Socks5GssapiMessage.MTYP_ENCAPSULATION);
            } catch (IOException | RuntimeException e) {
                proxyIn.position(proxyIn.limit()).limit(proxyIn.capacity());
                throw e;
            }
            if (m == null) {
                // Incomplete: back to filling, nothing moved.
                proxyIn.position(proxyIn.limit()).limit(proxyIn.capacity());
                return false;
            }
            proxyIn.compact();
            if (m instanceof Socks5GssapiEncapsulation e) {
                toApp = ByteBuffer.wrap(protection.unwrap(e));
                return true;
            }
            throw new SocketException("GSS-API: the proxy sent the RFC 1961 abort message");
        }

        private void close() {
            closed = true;
            closeQuietly(app);
            closeQuietly(proxy);
        }

        /** Both legs closed with a reset: the application never gets unverified bytes, nor a clean end. */
        void reset() {
            if (closed) {
                return;
            }
            closed = true;
            for (SocketChannel c : new SocketChannel[] {app, proxy}) {
                try {
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                } catch (IOException | RuntimeException ignored) {
                    // Closed already.
                }
                closeQuietly(c);
            }
        }
    }

    /** socksify's own blocking channel to the proxy, connected inside the direct scope (the last-line guard). */
    private static final class OwnChannel extends ProxyConnect.OverChannel {
        OwnChannel(SocketChannel channel) {
            super(channel);
        }

        @Override
        public void connect(InetSocketAddress proxy, int timeoutMillis) throws IOException {
            ChannelDispatcher.direct(channel, new ChannelDispatcher.DirectConnect<Void>() {
                @Override
                public Void connect() throws IOException {
                    channel.socket().connect(proxy, timeoutMillis);
                    return null;
                }
            });
        }
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // Closing after a failure or at the end: nothing more to tell.
        }
    }
}
