package io.socksify.agent.route.nio;

import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.ConnectGuard;
import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.bootstrap.KdcTraffic;
import io.socksify.agent.bootstrap.ServerThreads;
import io.socksify.agent.bootstrap.nio.ChannelConnector;
import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.route.GssapiRelay;
import io.socksify.agent.route.ProxyConnect;
import io.socksify.agent.route.Route;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.Routing;
import io.socksify.agent.route.Hops;
import io.socksify.agent.config.Chain;
import io.socksify.protocol.client.SocksClientHandshake;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Routes {@link SocketChannel}s (blocking and non-blocking) and {@link AsynchronousSocketChannel}s through the proxy,
 * with the same router, timeouts and errors as {@code java.net.Socket}. {@code agent/NIO-DESIGN.md} explains the
 * approach; in short: the JDK connects the application's own channel to the proxy, the handshake runs on it
 * (blocking: on the caller's thread; non-blocking: on the driver thread, hidden from the application's selectors;
 * asynchronous: in completion handlers), and the channel then reports the destination as its remote address.
 */
public final class ChannelRouting implements ChannelConnector {

    private static ChannelRouting installed;
    /** The JDK's channel internals, the handshake driver and the asynchronous connects: made on the first connect. */
    private volatile Parts parts;

    private ChannelRouting() {
    }

    /** What the routing of channels works with, made once, on the first connect rather than at installation. */
    private static final class Parts {
        final JdkChannels jdk;
        final HandshakeDriver driver;
        final AsyncConnects asyncConnects;
        final RelayedChannels relayed;

        Parts() {
            this.jdk = new JdkChannels();
            this.driver = new HandshakeDriver(jdk);
            this.asyncConnects = new AsyncConnects(jdk);
            this.relayed = new RelayedChannels(jdk, driver);
        }
    }

    /**
     * The parts, made on first use (a connect; the selector hooks ask {@link #idle} first, which makes nothing).
     * Making them reaches nothing reflectively: the JDK's internals are looked up on their first use
     * ({@code JdkMembers.Lazy}), whose failure fails that connect (the dispatcher closes the channel).
     */
    private Parts parts() {
        Parts p = parts;
        if (p == null) {
            synchronized (this) {
                p = parts;
                if (p == null) {
                    parts = p = new Parts();
                }
            }
        }
        return p;
    }

    /** @return whether no handshake is under way (true before the first connect: nothing made) */
    private boolean idle() {
        Parts p = parts;
        return p == null || p.driver.idle();
    }

    /**
     * Installs channel routing: the dispatcher the advice calls. (Netty's native transports, which use no JDK
     * channel, are switched off for every copy of Netty by {@code NettyNativeTransformer}.)
     * Installed once: each connect reads the routing state ({@link Routing#current()}) once, and handshakes under way
     * finish with the state they started with. The embedded SOCKS server's threads ({@link ServerThreads}) are never
     * routed: its outgoing connections are channels, and routed it would connect through itself.
     */
    public static synchronized void install() throws ReflectiveOperationException {
        if (installed != null) {
            return;
        }
        installed = new ChannelRouting();
        ChannelDispatcher.install(installed);
    }

    // --- SocketChannel.connect ---

    @Override
    public int connect(SocketChannel channel, InetSocketAddress destination) throws IOException {
        if (unrouted() || !channel.isOpen() || channel.isConnected() || channel.isConnectionPending()
                || parts().driver.get(channel) != null) {
            return -1; // the JDK throws ClosedChannelException, AlreadyConnectedException or ConnectionPendingException
        }
        Router router = Routing.current();
        Route route = route(router, channel, destination);
        if (route.direct()) {
            if (route.target() == destination) {
                ConnectGuard.permit(destination); // the JDK connects it right after the prologue
                return -1;
            }
            return ChannelDispatcher.direct(channel, () -> channel.connect(route.target())) ? 1 : 0;
        }
        int defaultTimeoutMillis = router.config().connectTimeoutMillis();
        if (channel.isBlocking()) {
            connectBlocking(router, channel, destination, route, defaultTimeoutMillis);
            return 1;
        }
        if (GssapiRelay.needed(route)) {
            parts().relayed.connectNonBlocking(router, channel, destination, route, defaultTimeoutMillis);
            return 0;
        }
        ChannelHandshake handshake;
        InetSocketAddress proxyAddress;
        Chain chain = router.order(route.via()).get(0);
        try {
            handshake = new ChannelHandshake(channel, route.reported(), router, chain,
                    handshakes(chain, route.target()), defaultTimeoutMillis);
            proxyAddress = Router.resolve(chain.first());
        } catch (IOException | RuntimeException e) {
            close(channel, e);
            throw e;
        }
        Parts p = parts();
        if (!p.driver.track(handshake)) {
            // Another thread connects the same channel right now; never let this call go out unrouted.
            throw new ConnectionPendingException();
        }
        boolean connected;
        try {
            // Tracked first: from now on every selector hides the channel until the handshake is over.
            connected = ChannelDispatcher.direct(channel, () -> channel.connect(proxyAddress));
        } catch (ClosedChannelException e) {
            p.driver.forget(channel); // closed meanwhile: the JDK's own exception
            throw e;
        } catch (IOException e) {
            p.driver.forget(channel);
            IOException failure = Hops.unreachable(router, chain, e, destination);
            Log.get("socksify").debug("channel {} -> failed: {}", Printable.address(destination), failure.getMessage());
            Metrics.failed(failure);
            throw failure;
        } catch (RuntimeException e) {
            p.driver.forget(channel);
            throw e;
        }
        try {
            // The JDK's internals are reached on first use here: a failure forgets the handshake like any other.
            p.jdk.setRemoteAddress(channel, route.reported());
            if (connected) {
                p.jdk.markPending(channel);
            }
            p.driver.submit(handshake);
        } catch (IOException | RuntimeException e) {
            p.driver.forget(channel);
            close(channel, e);
            throw e;
        }
        return 0;
    }

    @Override
    public boolean blockingConnect(SocketChannel channel, InetSocketAddress destination, long nanos)
            throws IOException {
        if (unrouted() || !channel.isOpen() || channel.isConnected() || channel.isConnectionPending()
                || !channel.isBlocking()) {
            return false; // the JDK throws
        }
        Router router = Routing.current();
        Route route = route(router, channel, destination);
        if (route.direct() && route.target() == destination) {
            ConnectGuard.permit(destination);
            return false;
        }
        long millis = nanos <= 0 || nanos == Long.MAX_VALUE ? router.config().connectTimeoutMillis()
                : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
        if (route.direct()) {
            ConnectGuard.permit(route.target());
            parts().jdk.blockingConnect(channel, route.target(), TimeUnit.MILLISECONDS.toNanos(millis));
            return true;
        }
        connectBlocking(router, channel, destination, route, (int) Math.min(Integer.MAX_VALUE, millis));
        return true;
    }

    /**
     * Connects a blocking channel to the proxy with the JDK's own timed connect, then runs the blocking handshake over
     * the channel's socket adaptor, whose SO_TIMEOUT bounds every read; one deadline covers both.
     */
    private void connectBlocking(Router router, SocketChannel channel, InetSocketAddress destination, Route route,
            int budgetMillis) throws IOException {
        if (GssapiRelay.needed(route)) {
            try {
                parts().relayed.connectBlocking(router, channel, destination, route, budgetMillis);
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                Metrics.failed(e);
                throw e;
            }
            return;
        }
        try {
            ProxyConnect.connect(router, route, destination, budgetMillis, new BlockingChannel(channel), "channel");
        } catch (ClosedChannelException e) {
            throw e; // closed meanwhile: the JDK's own exception
        } catch (IOException | RuntimeException e) {
            Metrics.failed(e);
            throw e;
        }
        parts().jdk.setRemoteAddress(channel, route.reported());
        Metrics.CONNECTIONS_ROUTED.increment();
    }

    /**
     * A blocking channel: the JDK's own timed connect (inside the direct scope: that connect is socksify's), and the
     * socket adaptor's streams, whose reads honour SO_TIMEOUT.
     */
    private final class BlockingChannel extends ProxyConnect.OverChannel {
        BlockingChannel(SocketChannel channel) {
            super(channel);
        }

        @Override
        public void connect(InetSocketAddress proxy, int timeoutMillis) throws IOException {
            ChannelDispatcher.direct(channel, new DirectBlockingConnect(channel, proxy, timeoutMillis));
        }
    }

    private final class DirectBlockingConnect implements ChannelDispatcher.DirectConnect<Void> {
        private final SocketChannel channel;
        private final InetSocketAddress proxy;
        private final int timeoutMillis;

        DirectBlockingConnect(SocketChannel channel, InetSocketAddress proxy, int timeoutMillis) {
            this.channel = channel;
            this.proxy = proxy;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public Void connect() throws IOException {
            parts().jdk.blockingConnect(channel, proxy, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
            return null;
        }
    }

    @Override
    public boolean finishConnectPending(SocketChannel channel) throws IOException {
        if (idle()) {
            return false;
        }
        ChannelHandshake handshake = parts().driver.get(channel);
        if (handshake == null) {
            return false;
        }
        IOException failure;
        switch (handshake.outcome()) {
            case RUNNING -> {
                if (!channel.isBlocking()) {
                    return true;
                }
                failure = handshake.awaitOutcome();
                if (failure == null) {
                    return false;
                }
            }
            case FAILED -> failure = handshake.failure();
            default -> {
                return false;
            }
        }
        parts().driver.forget(channel);
        close(channel, failure);
        throw failure;
    }

    // --- the selector hooks ---

    @Override
    public int interestEvents(SelectionKey key) {
        if (idle()) {
            return -1;
        }
        HandshakeDriver driver = parts().driver;
        ChannelHandshake handshake = driver.get(key.channel());
        if (handshake == null || driver.isDriverKey(key)) {
            return -1;
        }
        return handshake.maskKey(key) ? 0 : -1;
    }

    @Override
    public int translateReadyOps(SocketChannel channel, int events, int initialOps, SelectionKey key) {
        if (idle()) {
            return -1;
        }
        Parts p = parts();
        ChannelHandshake handshake = p.driver.get(channel);
        if (handshake == null) {
            return -1;
        }
        if (p.driver.isDriverKey(key)) {
            // While connection-pending the JDK reports nothing but OP_CONNECT; the driver just tries its next step.
            int interest = p.jdk.interestOps(key);
            p.jdk.readyOps(key, initialOps | interest);
            return interest == 0 ? 0 : 1;
        }
        if (handshake.maskKey(key)) {
            // The key's native events were registered before the handshake began: hide this event, and have the
            // selector translate the key's interest again (now masked) so that it stops polling the socket.
            p.jdk.readyOps(key, initialOps);
            p.jdk.reset(key);
            return 0;
        }
        return -1;
    }

    // --- AsynchronousSocketChannel ---

    @Override
    public Future<Void> connectAsync(AsynchronousSocketChannel channel, InetSocketAddress destination) {
        Router router = Routing.current();
        Route route;
        try {
            route = routeAsync(router, channel, destination);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (route == null) {
            return null;
        }
        if (route.direct()) {
            try {
                return ChannelDispatcher.direct(channel, () -> channel.connect(route.target()));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        AsyncConnects.ConnectFuture future = new AsyncConnects.ConnectFuture(channel);
        if (GssapiRelay.needed(route)) {
            parts().relayed.connectAsync(channel, route, router.config().connectTimeoutMillis(), null, null, future,
                    router);
            return future;
        }
        parts().asyncConnects.start(channel, route, router.config().connectTimeoutMillis(), null, null, future,
                router);
        return future;
    }

    @Override
    public boolean connectAsync(AsynchronousSocketChannel channel, InetSocketAddress destination, Object attachment,
            CompletionHandler<Void, Object> handler) {
        Router router = Routing.current();
        Route route;
        try {
            route = routeAsync(router, channel, destination);
        } catch (IOException e) {
            handler.failed(e, attachment);
            return true;
        }
        if (route == null) {
            return false;
        }
        if (route.direct()) {
            // The JDK may call the handler at once: it runs only after the scope (see OutsideDirectScope).
            OutsideDirectScope<Void> outside = new OutsideDirectScope<>(handler);
            try {
                ChannelDispatcher.direct(channel, () -> {
                    channel.connect(route.target(), attachment, outside);
                    return null;
                });
            } catch (IOException e) {
                outside.failed(e, attachment);
            } finally {
                outside.release();
            }
            return true;
        }
        if (GssapiRelay.needed(route)) {
            parts().relayed.connectAsync(channel, route, router.config().connectTimeoutMillis(), handler, attachment,
                    null, router);
            return true;
        }
        parts().asyncConnects.start(channel, route, router.config().connectTimeoutMillis(), handler, attachment, null,
                router);
        return true;
    }

    /**
     * @return null to let the JDK connect to the application's address, or refuse the connect with its own exception
     *         (a closed or connected channel)
     * @throws ConnectionPendingException if socksify is connecting the channel (the JDK's answer while pending)
     */
    private Route routeAsync(Router router, AsynchronousSocketChannel channel, InetSocketAddress destination)
            throws IOException {
        if (unrouted() || !channel.isOpen()) {
            return null;
        }
        if (parts().asyncConnects.inFlight(channel) || parts().relayed.inFlight(channel)) {
            throw new ConnectionPendingException();
        }
        try {
            if (channel.getRemoteAddress() != null) {
                return null;
            }
        } catch (IOException closed) {
            return null;
        }
        Route route = route(router, channel, destination);
        if (route.direct() && route.target() == destination) {
            ConnectGuard.permit(destination); // the JDK connects it on this thread right after the prologue
            return null;
        }
        return route;
    }

    /**
     * Connections the JDK makes itself: routing switched off ({@code attach <pid> off}), the embedded server's, and
     * socksify's own Kerberos exchanges with a KDC ({@link KdcTraffic}).
     */
    private boolean unrouted() {
        return !Dispatcher.routing() || ServerThreads.current() || KdcTraffic.current();
    }

    private static Route route(Router router, Channel channel, InetSocketAddress destination) throws IOException {
        try {
            Route route = router.route(destination);
            if (route.direct()) {
                Log.get("socksify").debug("channel {} -> direct ({})", Printable.address(destination), route.reason());
                Metrics.CONNECTIONS_BYPASSED.increment();
            }
            return route;
        } catch (IOException | RuntimeException e) {
            close(channel, e);
            Log.get("socksify").debug("channel {} -> refused: {}", Printable.address(destination), e.getMessage());
            Metrics.failed(e);
            throw e;
        }
    }

    /** One handshake per hop of {@code chain}, each asking for the next hop, the last for {@code target}. */
    static SocksClientHandshake[] handshakes(Chain chain, InetSocketAddress target) throws IOException {
        InetSocketAddress[] targets = Hops.targets(chain, target);
        SocksClientHandshake[] hops = new SocksClientHandshake[chain.size()];
        for (int i = 0; i < hops.length; i++) {
            hops[i] = SocksClientHandshake.connect(chain.hops().get(i).proxy(), targets[i]);
        }
        return hops;
    }

    static void close(Channel channel, Throwable failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
