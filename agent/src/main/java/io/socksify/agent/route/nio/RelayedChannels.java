package io.socksify.agent.route.nio;

import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.config.Chain;
import io.socksify.agent.route.GssapiRelay;
import io.socksify.agent.route.Route;
import io.socksify.agent.route.Router;
import io.socksify.protocol.wire.Printable;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The channel paths of a connection that GSS-API may protect ({@link GssapiRelay}; GSSAPI-DESIGN.md, "Data
 * protection"): socksify's own channel makes the protected connection to the proxy, the application's channel is
 * connected to the relay's one-shot loopback listener and reports the destination as its remote address.
 * Blocking channels do it on the caller's thread; non-blocking and asynchronous channels on a short-lived thread
 * {@code socksify-gssapi-connect} (the handshake may talk to the KDC: never on an application's event loop), while
 * the non-blocking channel stays connection-pending and hidden from the application's selectors (the
 * {@link HandshakeDriver}'s masking), exactly as for a handshake the driver runs.
 */
final class RelayedChannels {
    static final String CONNECT_THREAD = "socksify-gssapi-connect";

    private final JdkChannels jdk;
    private final HandshakeDriver driver;
    private final Map<AsynchronousSocketChannel, Boolean> asyncInFlight = new ConcurrentHashMap<>();

    RelayedChannels(JdkChannels jdk, HandshakeDriver driver) {
        this.jdk = jdk;
        this.driver = driver;
    }

    boolean inFlight(AsynchronousSocketChannel channel) {
        return asyncInFlight.containsKey(channel);
    }

    /** A blocking channel: the whole connect on the caller's thread, within {@code budgetMillis}. */
    void connectBlocking(Router router, SocketChannel channel, InetSocketAddress destination, Route route,
            int budgetMillis) throws IOException {
        GssapiRelay.connectBlocking(router, route, destination, budgetMillis, "channel",
                new BlockingChannel(channel));
        jdk.setRemoteAddress(channel, route.reported());
        Metrics.CONNECTIONS_ROUTED.increment();
    }

    /**
     * A non-blocking channel: connected at once to the listener (connection-pending, hidden from the application's
     * selectors), completed when the protected connect is done.
     */
    void connectNonBlocking(Router router, SocketChannel channel, InetSocketAddress destination, Route route,
            int budgetMillis) throws IOException {
        Chain chain = router.order(route.via()).get(0);
        ChannelHandshake handshake;
        GssapiRelay.Listener listener;
        try {
            handshake = new ChannelHandshake(channel, route.reported(), router, chain,
                    ChannelRouting.handshakes(chain, route.target()), budgetMillis);
            listener = new GssapiRelay.Listener();
        } catch (IOException | RuntimeException e) {
            ChannelRouting.close(channel, e);
            throw e instanceof IOException io ? io : GssapiRelay.failed(GssapiRelay.configuredLevel(route),
                    destination, e);
        }
        if (!driver.track(handshake)) {
            listener.close();
            throw new ConnectionPendingException();
        }
        try {
            // Bound first, so that its local address is known before the connect (a pending channel reports none).
            if (channel.getLocalAddress() == null) {
                channel.bind(new InetSocketAddress(listener.address().getAddress(), 0));
            }
            InetSocketAddress local = localAddress(channel);
            boolean connected = ChannelDispatcher.direct(channel, () -> channel.connect(listener.address()));
            jdk.setRemoteAddress(channel, route.reported());
            if (connected) {
                jdk.markPending(channel);
            }
            Thread thread = new Thread(new NonBlockingConnect(router, channel, destination, route, budgetMillis,
                    handshake, listener, local), CONNECT_THREAD);
            thread.setDaemon(true);
            thread.start();
        } catch (ClosedChannelException e) {
            driver.forget(channel);
            listener.close();
            throw e;
        } catch (Throwable t) {
            // Nothing left behind: not tracked, not pending (closed, as the JDK closes a channel whose connect failed).
            driver.forget(channel);
            listener.close();
            ChannelRouting.close(channel, t);
            if (t instanceof Error e) {
                throw e;
            }
            throw GssapiRelay.failed(GssapiRelay.configuredLevel(route), destination, t);
        }
    }

    /** The protected connect of a non-blocking channel, on its own thread; it always completes the handshake. */
    private final class NonBlockingConnect implements Runnable {
        private final Router router;
        private final SocketChannel channel;
        private final InetSocketAddress destination;
        private final Route route;
        private final int budgetMillis;
        private final ChannelHandshake handshake;
        private final GssapiRelay.Listener listener;
        private final InetSocketAddress local;

        NonBlockingConnect(Router router, SocketChannel channel, InetSocketAddress destination, Route route,
                int budgetMillis, ChannelHandshake handshake, GssapiRelay.Listener listener, InetSocketAddress local) {
            this.router = router;
            this.channel = channel;
            this.destination = destination;
            this.route = route;
            this.budgetMillis = budgetMillis;
            this.handshake = handshake;
            this.listener = listener;
            this.local = local;
        }

        @Override
        public void run() {
            // finishConnect closes the channel after a failure, so the relay leaves it open (its keys stay valid).
            RelayedChannel app = new RelayedChannel(channel, false);
            IOException failure = null;
            Error error = null;
            try {
                GssapiRelay.Upstream upstream;
                try {
                    upstream = GssapiRelay.connect(router, route, destination, budgetMillis, "channel");
                } catch (Throwable t) {
                    throw GssapiRelay.abort(null, listener, app, destination, t);
                }
                GssapiRelay.splice(upstream, listener, local, app, destination);
            } catch (IOException e) {
                failure = e;
            } catch (Throwable t) {
                failure = GssapiRelay.internal(destination, GssapiRelay.configuredLevel(route), t);
                if (t instanceof Error e) {
                    error = e;
                }
            } finally {
                listener.close();
            }
            try {
                if (failure == null) {
                    driver.forget(channel);
                    Metrics.CONNECTIONS_ROUTED.increment();
                } else {
                    Metrics.failed(failure);
                    Log.get("socksify").debug("channel {} -> failed (non-blocking, GSS-API relay): {}",
                            Printable.address(destination), failure.toString());
                }
                List<SelectionKey> keys = handshake.complete(failure);
                if (keys != null) {
                    for (SelectionKey key : keys) {
                        if (key.isValid()) {
                            jdk.reset(key);
                        }
                    }
                }
                if (failure != null) {
                    driver.failedOutside(handshake);
                }
            } finally {
                if (error != null) {
                    throw error;
                }
            }
        }
    }

    /** An asynchronous channel: the outcome goes to {@code handler} (or {@code future}) once, off the caller. */
    void connectAsync(AsynchronousSocketChannel channel, Route route, int budgetMillis,
            CompletionHandler<Void, Object> handler, Object attachment, AsyncConnects.ConnectFuture future,
            Router router) {
        if (asyncInFlight.putIfAbsent(channel, Boolean.TRUE) != null) {
            throw new ConnectionPendingException();
        }
        AsyncConnect connect = new AsyncConnect(channel, route, budgetMillis, handler, attachment, future, router);
        try {
            Thread thread = new Thread(connect, CONNECT_THREAD);
            thread.setDaemon(true);
            thread.start();
        } catch (Throwable t) {
            asyncInFlight.remove(channel);
            ChannelRouting.close(channel, t);
            throw t;
        }
    }

    /** The protected connect of an asynchronous channel: it always completes the handler or future, once. */
    private final class AsyncConnect implements Runnable {
        private final AsynchronousSocketChannel channel;
        private final Route route;
        private final int budgetMillis;
        private final CompletionHandler<Void, Object> handler;
        private final Object attachment;
        private final AsyncConnects.ConnectFuture future;
        private final Router router;
        private final InetSocketAddress destination;
        private final RelayedChannel app;

        AsyncConnect(AsynchronousSocketChannel channel, Route route, int budgetMillis,
                CompletionHandler<Void, Object> handler, Object attachment, AsyncConnects.ConnectFuture future,
                Router router) {
            this.channel = channel;
            this.route = route;
            this.budgetMillis = budgetMillis;
            this.handler = handler;
            this.attachment = attachment;
            this.future = future;
            this.router = router;
            this.destination = route.reported();
            this.app = new RelayedChannel(channel, true);
        }

        @Override
        public void run() {
            GssapiRelay.Upstream upstream = null;
            GssapiRelay.Listener listener = null;
            try {
                upstream = GssapiRelay.connect(router, route, destination, budgetMillis, "channel");
                listener = new GssapiRelay.Listener();
                GssapiRelay.Upstream u = upstream;
                GssapiRelay.Listener l = listener;
                CompletionHandler<Void, Object> loopback = new CompletionHandler<>() {
                    @Override
                    public void completed(Void result, Object ignored) {
                        try {
                            GssapiRelay.splice(u, l, localAddress(channel), app, destination);
                        } catch (Throwable t) {
                            // splice closed both legs and mapped the failure (an Error is rethrown after).
                            failWith(t instanceof IOException e ? e
                                    : GssapiRelay.internal(destination, u.level(), t), t);
                            return;
                        }
                        jdk.setRemoteAddress(channel, route.reported());
                        asyncInFlight.remove(channel);
                        Metrics.CONNECTIONS_ROUTED.increment();
                        if (handler != null) {
                            handler.completed(null, attachment);
                        } else {
                            future.complete(null);
                        }
                    }

                    @Override
                    public void failed(Throwable exc, Object ignored) {
                        fail(exc, u, l);
                    }
                };
                OutsideDirectScope<Void> inner = new OutsideDirectScope<>(loopback);
                try {
                    ChannelDispatcher.direct(channel, () -> {
                        channel.connect(l.address(), null, inner);
                        return null;
                    });
                } catch (Throwable t) {
                    inner.failed(t, null);
                } finally {
                    inner.release();
                }
            } catch (Throwable t) {
                fail(t, upstream, listener);
            }
        }

        /** Closes what was set up, maps {@code t}, completes; an Error is rethrown after. */
        private void fail(Throwable t, GssapiRelay.Upstream upstream, GssapiRelay.Listener listener) {
            IOException failure;
            try {
                failure = GssapiRelay.abort(upstream, listener, app, destination, t);
            } catch (Error e) {
                failure = GssapiRelay.internal(destination, GssapiRelay.configuredLevel(route), e);
            }
            failWith(failure, t);
        }

        /** {@code failure} is mapped already (a close by the application as AsynchronousCloseException). */
        private void failWith(IOException failure, Throwable t) {
            ChannelRouting.close(channel, failure);
            asyncInFlight.remove(channel);
            Metrics.failed(failure);
            Log.get("socksify").debug("channel {} -> failed (asynchronous, GSS-API relay): {}",
                    Printable.address(destination), failure.toString());
            try {
                if (handler != null) {
                    onGroupThreadOf(channel, handler, attachment, failure);
                } else {
                    future.completeExceptionally(failure);
                }
            } finally {
                if (t instanceof Error e) {
                    throw e;
                }
            }
        }
    }

    /**
     * Hands {@code failure} to the application's handler on a thread of the channel's group, as the JDK does: a read
     * on the (closed) channel completes on the group's pool ({@code Invoker}), and its handler passes the failure on.
     */
    private void onGroupThreadOf(AsynchronousSocketChannel channel, CompletionHandler<Void, Object> handler,
            Object attachment, IOException failure) {
        GroupDelivery delivery = new GroupDelivery(handler, attachment, failure);
        try {
            channel.read(java.nio.ByteBuffer.allocate(0), null, delivery);
        } catch (RuntimeException e) {
            delivery.deliver();
        }
    }

    /** Delivers one failure, once, whatever the read's outcome. */
    private static final class GroupDelivery implements CompletionHandler<Integer, Object> {
        private final CompletionHandler<Void, Object> handler;
        private final Object attachment;
        private final IOException failure;
        private final java.util.concurrent.atomic.AtomicBoolean delivered =
                new java.util.concurrent.atomic.AtomicBoolean();

        GroupDelivery(CompletionHandler<Void, Object> handler, Object attachment, IOException failure) {
            this.handler = handler;
            this.attachment = attachment;
            this.failure = failure;
        }

        void deliver() {
            if (delivered.compareAndSet(false, true)) {
                handler.failed(failure, attachment);
            }
        }

        @Override
        public void completed(Integer result, Object ignored) {
            deliver();
        }

        @Override
        public void failed(Throwable exc, Object ignored) {
            deliver();
        }
    }

    /** A blocking channel, whose loopback connect is the JDK's blocking one. */
    private final class BlockingChannel extends RelayedChannel {
        private final SocketChannel channel;

        BlockingChannel(SocketChannel channel) {
            super(channel, true);
            this.channel = channel;
        }

        @Override
        public InetSocketAddress connectLoopback(InetSocketAddress listener, int budgetMillis) throws IOException {
            ChannelDispatcher.direct(channel, () -> {
                jdk.blockingConnect(channel, listener, TimeUnit.MILLISECONDS.toNanos(budgetMillis));
                return null;
            });
            return localAddress(channel);
        }
    }

    /** The application's channel, for {@link GssapiRelay#splice}. */
    private static class RelayedChannel extends GssapiRelay.Application {
        private final java.nio.channels.NetworkChannel channel;
        private final boolean closeOnFailure;

        RelayedChannel(java.nio.channels.NetworkChannel channel, boolean closeOnFailure) {
            this.channel = channel;
            this.closeOnFailure = closeOnFailure;
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close(Throwable failure) {
            if (closeOnFailure) {
                ChannelRouting.close(channel, failure);
            }
        }

        @Override
        public IOException closedMeanwhile() {
            return new AsynchronousCloseException();
        }
    }

    private static InetSocketAddress localAddress(java.nio.channels.NetworkChannel channel) throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

}
