package io.socksify.agent.route.nio;

import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.route.Route;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.Hops;
import io.socksify.agent.config.Chain;
import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.client.SocksClientHandshake;
import org.slf4j.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ConnectionPendingException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Connects {@link AsynchronousSocketChannel}s through the proxy: the JDK connects the channel to the proxy, the
 * handshake runs with the channel's own asynchronous reads and writes, and only then is the application's handler
 * called (once) or its future completed. The JDK has no connect timeout for these channels; a timer closes the
 * channel when the budget is spent, which fails whatever operation is pending.
 */
final class AsyncConnects {
    private static final Logger LOG = Log.get("socksify");

    private final JdkChannels jdk;
    private final Map<AsynchronousSocketChannel, Connect> inFlight = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService timer;

    AsyncConnects(JdkChannels jdk) {
        this.jdk = jdk;
    }

    /** @return whether socksify is connecting this channel right now (a second connect is then refused) */
    boolean inFlight(AsynchronousSocketChannel channel) {
        return inFlight.containsKey(channel);
    }

    /**
     * Starts a connect through the proxy.
     *
     * @throws ConnectionPendingException     if the channel is being connected already
     * @throws AlreadyConnectedException      if the JDK refuses the connect to the proxy because the channel is
     *                                        connected (another thread won a race): the channel is left as it is
     */
    void start(AsynchronousSocketChannel channel, Route route, int budgetMillis,
            CompletionHandler<Void, Object> handler, Object attachment, ConnectFuture future, Router router) {
        Chain chain = router.order(route.via()).get(0);
        Connect connect = new Connect(channel, route, budgetMillis, handler, attachment, future, router, chain);
        if (inFlight.putIfAbsent(channel, connect) != null) {
            throw new ConnectionPendingException();
        }
        OutsideDirectScope<Void> inner = new OutsideDirectScope<>(connect);
        try {
            connect.hops = ChannelRouting.handshakes(chain, route.target());
            InetSocketAddress proxyAddress = Router.resolve(chain.first());
            connect.timeout = timer().schedule(connect::timeout, budgetMillis, TimeUnit.MILLISECONDS);
            // Re-enters the advice with the proxy's own address; the JDK may call the handler at once, which is
            // then held back until the scope is left (the application's callbacks must run outside it).
            ChannelDispatcher.direct(channel, () -> {
                channel.connect(proxyAddress, null, inner);
                return null;
            });
        } catch (IOException e) {
            connect.finish(e);
        } catch (AlreadyConnectedException | ConnectionPendingException e) {
            // The JDK's refusal: nothing was connected, the channel stays as it is.
            connect.abandon();
            throw e;
        } catch (RuntimeException e) {
            SocketException failure = new SocketException("socksify: internal error while connecting a channel to "
                    + route.reported() + " (nothing was sent directly): " + e);
            failure.initCause(e);
            connect.finish(failure);
        } finally {
            inner.release();
        }
    }

    private ScheduledExecutorService timer() {
        ScheduledExecutorService t = timer;
        if (t == null) {
            synchronized (this) {
                t = timer;
                if (t == null) {
                    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                        Thread thread = new Thread(r, "socksify-timer");
                        thread.setDaemon(true);
                        return thread;
                    });
                    executor.setRemoveOnCancelPolicy(true);
                    timer = t = executor;
                }
            }
        }
        return t;
    }

    /** The future {@code AsynchronousSocketChannel.connect(SocketAddress)} returns; cancelling closes the channel. */
    static final class ConnectFuture extends CompletableFuture<Void> {
        private final AsynchronousSocketChannel channel;

        ConnectFuture(AsynchronousSocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                ChannelRouting.close(channel, new IOException("cancelled"));
            }
            return cancelled;
        }
    }

    /** One connect: TCP to the proxy, then the handshake's writes and reads, each completing into the next. */
    private final class Connect implements CompletionHandler<Void, Object> {
        private final AsynchronousSocketChannel channel;
        private final Route route;
        private final int budgetMillis;
        private final long started;
        private final CompletionHandler<Void, Object> handler;
        private final Object attachment;
        private final ConnectFuture future;
        private final Router router;
        private final Chain chain;
        private final ByteBuffer out = ByteBuffer.allocate(600).limit(0);
        private final ByteBuffer in = ByteBuffer.allocate(512);
        private final CompletionHandler<Integer, Object> written = new IoHandler(false);
        private final CompletionHandler<Integer, Object> read = new IoHandler(true);
        /** One handshake per hop; {@code hop} is the one running (guarded by this). */
        SocksClientHandshake[] hops;
        private int hop;
        volatile ScheduledFuture<?> timeout;
        // Guarded by this: the handshake is touched by completion handlers (one at a time) and by the timer.
        private boolean finished;
        private boolean tcpConnected;

        Connect(AsynchronousSocketChannel channel, Route route, int budgetMillis,
                CompletionHandler<Void, Object> handler, Object attachment, ConnectFuture future, Router router,
                Chain chain) {
            this.channel = channel;
            this.router = router;
            this.chain = chain;
            this.route = route;
            this.budgetMillis = budgetMillis;
            this.started = System.nanoTime();
            this.handler = handler;
            this.attachment = attachment;
            this.future = future;
        }

        @Override
        public void completed(Void result, Object ignored) {
            synchronized (this) {
                tcpConnected = true;
            }
            jdk.setRemoteAddress(channel, route.reported());
            next();
        }

        @Override
        public void failed(Throwable exc, Object ignored) {
            boolean connected;
            synchronized (this) {
                connected = tcpConnected;
            }
            if (exc instanceof IOException e && !connected && !(e instanceof ClosedChannelException)) {
                finish(Hops.unreachable(router, chain, e, route.reported()));
            } else {
                finish(exc);
            }
        }

        /** Starts the next write or read of the handshake, or finishes it. */
        private void next() {
            Throwable failure = null;
            synchronized (this) {
                if (finished) {
                    return;
                }
                try {
                    while (true) {
                        SocksClientHandshake socks = hops[hop];
                        if (socks.status() == SocksClientHandshake.Status.DONE) {
                            if (hop + 1 == hops.length) {
                                break;
                            }
                            hop++; // the next hop's handshake, over the same connection
                            continue;
                        }
                        if (out.hasRemaining()) {
                            channel.write(out, null, written);
                            return;
                        }
                        if (socks.status() == SocksClientHandshake.Status.WRITE) {
                            out.clear();
                            socks.writeTo(out);
                            out.flip();
                        } else if (socks.status() == SocksClientHandshake.Status.READ) {
                            in.clear().limit(Math.min(in.capacity(), socks.bytesNeeded()));
                            channel.read(in, null, read);
                            return;
                        } else {
                            failure = Hops.hopFailed(router, chain, hop,
                                    new SocketException(socks.context() + ": the handshake failed"));
                            break;
                        }
                    }
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            finish(failure);
        }

        private void timeout() {
            IOException failure;
            synchronized (this) {
                if (finished) {
                    return;
                }
                failure = tcpConnected ? Hops.hopFailed(router, chain, hop, hops[hop].timeoutException(budgetMillis))
                        : Hops.unreachable(router, chain, new SocketTimeoutException("connect timed out after "
                                + budgetMillis + " ms"), route.reported());
            }
            finish(failure);
        }

        /** Drops a connect the JDK refused before connecting anything: no outcome, the channel untouched. */
        void abandon() {
            synchronized (this) {
                finished = true;
            }
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            inFlight.remove(channel, this);
        }

        /** Delivers the outcome once; a failure closes the channel first (nothing may flow unrouted). */
        void finish(Throwable failure) {
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
            }
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            inFlight.remove(channel, this);
            if (failure != null) {
                ChannelRouting.close(channel, failure);
                LOG.debug("channel {} -> failed via {} after {} ms: {}", Printable.address(route.reported()), chain,
                        Hops.millisSince(started), failure.toString());
                Metrics.failed(failure);
                if (handler != null) {
                    handler.failed(failure, attachment);
                } else {
                    future.completeExceptionally(failure);
                }
                return;
            }
            LOG.debug("channel {} -> via {} ({}, asynchronous) in {} ms", Printable.address(route.reported()), chain,
                    route.reason(), Hops.millisSince(started));
            Hops.succeeded(router, chain, hops);
            Metrics.CONNECTIONS_ROUTED.increment();
            if (handler != null) {
                handler.completed(null, attachment);
            } else {
                future.complete(null);
            }
        }

        private final class IoHandler implements CompletionHandler<Integer, Object> {
            private final boolean reading;

            IoHandler(boolean reading) {
                this.reading = reading;
            }

            @Override
            public void completed(Integer n, Object ignored) {
                if (reading) {
                    IOException failure = null;
                    synchronized (Connect.this) {
                        if (finished) {
                            return;
                        }
                        SocksClientHandshake socks = hops[hop];
                        try {
                            if (n < 0) {
                                socks.endOfStream();
                                failure = new SocketException(socks.context() + ": the proxy closed the connection");
                            } else {
                                in.flip();
                                socks.readFrom(in);
                            }
                        } catch (IOException e) {
                            failure = Hops.hopFailed(router, chain, hop, e);
                        }
                    }
                    if (failure != null) {
                        finish(failure);
                        return;
                    }
                }
                next();
            }

            @Override
            public void failed(Throwable exc, Object ignored) {
                finish(exc);
            }
        }
    }
}
