package io.socksify.agent.route.nio;

import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.config.Chain;
import io.socksify.agent.route.GssapiRelay;
import io.socksify.agent.route.Route;
import io.socksify.agent.route.Router;
import io.socksify.protocol.wire.Printable;
import org.slf4j.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
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
    private static final Logger LOG = Log.get("socksify");
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
        GssapiRelay.Upstream upstream;
        try {
            upstream = GssapiRelay.connect(router, route, destination, budgetMillis, "channel");
        } catch (IOException | RuntimeException | Error e) {
            ChannelRouting.close(channel, e);
            throw e;
        }
        try (GssapiRelay.Listener listener = new GssapiRelay.Listener()) {
            ChannelDispatcher.direct(channel, () -> {
                jdk.blockingConnect(channel, listener.address(), TimeUnit.MILLISECONDS.toNanos(budgetMillis));
                return null;
            });
            GssapiRelay.start(upstream, listener.accept(localAddress(channel)));
        } catch (ClosedChannelException e) {
            upstream.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            upstream.close();
            ChannelRouting.close(channel, e);
            throw GssapiRelay.failed(upstream, destination, e);
        } catch (Error e) {
            upstream.close();
            ChannelRouting.close(channel, e);
            throw e;
        }
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
            throw e;
        }
        if (!driver.track(handshake)) {
            listener.close();
            throw new ConnectionPendingException();
        }
        boolean connected;
        InetSocketAddress local;
        try {
            // Bound first, so that its local port is known before the connect (a pending channel reports none).
            if (channel.getLocalAddress() == null) {
                channel.bind(new InetSocketAddress(listener.address().getAddress(), 0));
            }
            local = localAddress(channel);
            connected = ChannelDispatcher.direct(channel, () -> channel.connect(listener.address()));
        } catch (IOException | RuntimeException e) {
            driver.forget(channel);
            listener.close();
            throw e;
        }
        jdk.setRemoteAddress(channel, route.reported());
        if (connected) {
            jdk.markPending(channel);
        }
        Thread thread = new Thread(() -> {
            IOException failure = null;
            try {
                GssapiRelay.Upstream upstream = GssapiRelay.connect(router, route, destination, budgetMillis,
                        "channel");
                try {
                    GssapiRelay.start(upstream, listener.accept(local));
                } catch (IOException | RuntimeException e) {
                    upstream.close();
                    failure = GssapiRelay.failed(upstream, destination, e);
                }
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = internal(destination, e);
            } finally {
                listener.close();
            }
            if (failure == null) {
                driver.forget(channel);
                Metrics.CONNECTIONS_ROUTED.increment();
            } else {
                Metrics.failed(failure);
                LOG.debug("channel {} -> failed (non-blocking, GSS-API relay): {}", Printable.address(destination),
                        failure.toString());
            }
            List<SelectionKey> keys = handshake.complete(failure);
            if (keys != null) {
                for (SelectionKey key : keys) {
                    if (key.isValid()) {
                        jdk.reset(key);
                    }
                }
            }
        }, CONNECT_THREAD);
        thread.setDaemon(true);
        thread.start();
    }

    /** An asynchronous channel: the outcome goes to {@code handler} (or {@code future}) once, off the caller. */
    void connectAsync(AsynchronousSocketChannel channel, Route route, int budgetMillis,
            CompletionHandler<Void, Object> handler, Object attachment, AsyncConnects.ConnectFuture future,
            Router router) {
        if (asyncInFlight.putIfAbsent(channel, Boolean.TRUE) != null) {
            throw new ConnectionPendingException();
        }
        InetSocketAddress destination = route.reported();
        Thread thread = new Thread(() -> {
            GssapiRelay.Upstream upstream;
            try {
                upstream = GssapiRelay.connect(router, route, destination, budgetMillis, "channel");
            } catch (IOException e) {
                fail(channel, destination, e, handler, attachment, future);
                return;
            } catch (RuntimeException e) {
                fail(channel, destination, internal(destination, e), handler, attachment, future);
                return;
            }
            GssapiRelay.Listener listener;
            try {
                listener = new GssapiRelay.Listener();
            } catch (IOException | RuntimeException e) {
                upstream.close();
                fail(channel, destination, GssapiRelay.failed(upstream, destination, e), handler, attachment,
                        future);
                return;
            }
            CompletionHandler<Void, Object> loopback = new CompletionHandler<>() {
                @Override
                public void completed(Void result, Object ignored) {
                    try {
                        GssapiRelay.start(upstream, listener.accept(localAddress(channel)));
                    } catch (IOException | RuntimeException e) {
                        upstream.close();
                        failed(e, null);
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
                    upstream.close();
                    listener.close();
                    fail(channel, destination, exc instanceof ClosedChannelException c ? c
                            : GssapiRelay.failed(upstream, destination, exc), handler, attachment, future);
                }
            };
            OutsideDirectScope<Void> inner = new OutsideDirectScope<>(loopback);
            try {
                ChannelDispatcher.direct(channel, () -> {
                    channel.connect(listener.address(), null, inner);
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                inner.failed(e, null);
            } finally {
                inner.release();
            }
        }, CONNECT_THREAD);
        thread.setDaemon(true);
        thread.start();
    }

    private void fail(AsynchronousSocketChannel channel, InetSocketAddress destination, Throwable failure,
            CompletionHandler<Void, Object> handler, Object attachment, AsyncConnects.ConnectFuture future) {
        ChannelRouting.close(channel, failure);
        asyncInFlight.remove(channel);
        if (failure instanceof IOException e) {
            Metrics.failed(e);
        }
        LOG.debug("channel {} -> failed (asynchronous, GSS-API relay): {}", Printable.address(destination),
                failure.toString());
        if (handler != null) {
            handler.failed(failure, attachment);
        } else {
            future.completeExceptionally(failure);
        }
    }

    private static InetSocketAddress localAddress(java.nio.channels.NetworkChannel channel) throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private static SocketException internal(InetSocketAddress destination, RuntimeException e) {
        SocketException failure = new SocketException("socksify: internal error while connecting a channel to "
                + Printable.address(destination) + " through the GSS-API relay (nothing was sent directly): " + e);
        failure.initCause(e);
        return failure;
    }
}
