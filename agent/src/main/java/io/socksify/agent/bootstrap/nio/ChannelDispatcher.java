package io.socksify.agent.bootstrap.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Channel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * The entry points the prologues in {@code sun.nio.ch} call for channels. Like the socket dispatcher it holds no
 * logic: it hands each call to the installed {@link ChannelConnector}. A failure inside socksify on a connect path
 * closes the channel and becomes the connect's own {@link IOException} (nothing goes out directly). On the
 * selector's translation paths it falls back to the JDK's own translation: an exception there would break the
 * application's event loop, and translation cannot open a connection.
 *
 * <p>Connections socksify itself makes (to the proxy, or to an address it resolved) run on the caller's thread
 * inside {@link #direct}, and pass through unrouted.
 */
public final class ChannelDispatcher {
    private static final ThreadLocal<Boolean> DIRECT = new ThreadLocal<>();
    private static volatile ChannelConnector connector;

    private ChannelDispatcher() {
    }

    public static void install(ChannelConnector channelConnector) {
        connector = channelConnector;
    }

    /** A connect socksify makes itself, which must not be routed again. */
    @FunctionalInterface
    public interface DirectConnect<T> {
        T connect() throws IOException;
    }

    public static <T> T direct(DirectConnect<T> connect) throws IOException {
        DIRECT.set(Boolean.TRUE);
        try {
            return connect.connect();
        } finally {
            DIRECT.remove();
        }
    }

    private static ChannelConnector routing(SocketAddress remote) {
        ChannelConnector c = connector;
        if (c == null || !(remote instanceof InetSocketAddress) || DIRECT.get() != null) {
            return null;
        }
        return c;
    }

    /** @see ChannelConnector#connect */
    public static int connect(SocketChannel channel, SocketAddress remote) throws IOException {
        ChannelConnector c = routing(remote);
        if (c == null) {
            return -1;
        }
        try {
            return c.connect(channel, (InetSocketAddress) remote);
        } catch (RuntimeException | LinkageError e) {
            throw internalError(channel, remote, e);
        }
    }

    /** @see ChannelConnector#blockingConnect */
    public static boolean blockingConnect(SocketChannel channel, SocketAddress remote, long nanos)
            throws IOException {
        ChannelConnector c = routing(remote);
        if (c == null) {
            return false;
        }
        try {
            return c.blockingConnect(channel, (InetSocketAddress) remote, nanos);
        } catch (RuntimeException | LinkageError e) {
            throw internalError(channel, remote, e);
        }
    }

    /** @see ChannelConnector#finishConnectPending */
    public static boolean finishConnectPending(SocketChannel channel) throws IOException {
        ChannelConnector c = connector;
        if (c == null) {
            return false;
        }
        try {
            return c.finishConnectPending(channel);
        } catch (RuntimeException | LinkageError e) {
            throw internalError(channel, null, e);
        }
    }

    /** @see ChannelConnector#interestEvents */
    public static int interestEvents(SelectionKey key) {
        ChannelConnector c = connector;
        if (c == null) {
            return -1;
        }
        try {
            return c.interestEvents(key);
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** @see ChannelConnector#translateReadyOps */
    public static int translateReadyOps(SocketChannel channel, int events, int initialOps, SelectionKey key) {
        ChannelConnector c = connector;
        if (c == null) {
            return -1;
        }
        try {
            return c.translateReadyOps(channel, events, initialOps, key);
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** @see ChannelConnector#connectAsync(AsynchronousSocketChannel, InetSocketAddress) */
    public static Future<Void> connectAsync(AsynchronousSocketChannel channel, SocketAddress remote) {
        ChannelConnector c = routing(remote);
        if (c == null) {
            return null;
        }
        try {
            return c.connectAsync(channel, (InetSocketAddress) remote);
        } catch (RuntimeException | LinkageError e) {
            return CompletableFuture.failedFuture(internalError(channel, remote, e));
        }
    }

    /** @see ChannelConnector#connectAsync(AsynchronousSocketChannel, InetSocketAddress, Object, CompletionHandler) */
    @SuppressWarnings("unchecked")
    public static boolean connectAsync(AsynchronousSocketChannel channel, SocketAddress remote, Object attachment,
            CompletionHandler<?, ?> handler) {
        ChannelConnector c = routing(remote);
        if (c == null || handler == null) {
            return false;
        }
        CompletionHandler<Void, Object> h = (CompletionHandler<Void, Object>) handler;
        try {
            return c.connectAsync(channel, (InetSocketAddress) remote, attachment, h);
        } catch (RuntimeException | LinkageError e) {
            h.failed(internalError(channel, remote, e), attachment);
            return true;
        }
    }

    private static IOException internalError(Channel channel, SocketAddress remote, Throwable e) {
        try {
            channel.close();
        } catch (IOException | RuntimeException suppressed) {
            e.addSuppressed(suppressed);
        }
        SocketException failure = new SocketException("socksify: internal error while connecting a channel"
                + (remote == null ? "" : " to " + remote) + " (nothing was sent directly): " + e);
        failure.initCause(e);
        return failure;
    }
}
