package io.socksify.agent.bootstrap.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Channel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ConnectionPendingException;
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
 * <p>A connection socksify itself makes (to the proxy, or to an address it resolved) runs inside
 * {@link #direct}, which lets that one channel's connect through unrouted on this thread; every other channel,
 * and every application callback (which socksify never runs inside the scope), is routed as usual.
 *
 * <p>The JDK's own refusals of a connect ({@link AlreadyConnectedException}, {@link ConnectionPendingException})
 * reach the application as they are, with the channel left as it was: the JDK threw them before connecting anything.
 */
public final class ChannelDispatcher {
    /** The channel whose connect socksify is making on this thread, which passes through unrouted. */
    private static final ThreadLocal<Channel> DIRECT = new ThreadLocal<>();
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

    /**
     * Runs a connect of {@code channel} that socksify makes itself: that channel's connects on this thread are not
     * routed again until it returns. It must not run application code (a completion handler the JDK may call
     * inline): a connect the application makes there, even of the same channel, would go out unrouted.
     */
    public static <T> T direct(Channel channel, DirectConnect<T> connect) throws IOException {
        Channel outer = DIRECT.get();
        DIRECT.set(channel);
        try {
            return connect.connect();
        } finally {
            if (outer == null) {
                DIRECT.remove();
            } else {
                DIRECT.set(outer);
            }
        }
    }

    /** @return whether this thread is inside {@link #direct}: a connect socksify makes itself (the last-line guard asks) */
    public static boolean inDirectScope() {
        return DIRECT.get() != null;
    }

    private static ChannelConnector routing(Channel channel, SocketAddress remote) {
        ChannelConnector c = connector;
        if (c == null || !(remote instanceof InetSocketAddress) || DIRECT.get() == channel) {
            return null;
        }
        return c;
    }

    /** @see ChannelConnector#connect */
    public static int connect(SocketChannel channel, SocketAddress remote) throws IOException {
        ChannelConnector c = routing(channel, remote);
        if (c == null) {
            return -1;
        }
        try {
            return c.connect(channel, (InetSocketAddress) remote);
        } catch (AlreadyConnectedException | ConnectionPendingException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw internalError(channel, remote, e);
        }
    }

    /** @see ChannelConnector#blockingConnect */
    public static boolean blockingConnect(SocketChannel channel, SocketAddress remote, long nanos)
            throws IOException {
        ChannelConnector c = routing(channel, remote);
        if (c == null) {
            return false;
        }
        try {
            return c.blockingConnect(channel, (InetSocketAddress) remote, nanos);
        } catch (AlreadyConnectedException | ConnectionPendingException e) {
            throw e;
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
        ChannelConnector c = routing(channel, remote);
        if (c == null) {
            return null;
        }
        try {
            return c.connectAsync(channel, (InetSocketAddress) remote);
        } catch (AlreadyConnectedException | ConnectionPendingException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            return CompletableFuture.failedFuture(internalError(channel, remote, e));
        }
    }

    /** @see ChannelConnector#connectAsync(AsynchronousSocketChannel, InetSocketAddress, Object, CompletionHandler) */
    @SuppressWarnings("unchecked")
    public static boolean connectAsync(AsynchronousSocketChannel channel, SocketAddress remote, Object attachment,
            CompletionHandler<?, ?> handler) {
        ChannelConnector c = routing(channel, remote);
        if (c == null || handler == null) {
            return false;
        }
        CompletionHandler<Void, Object> h = (CompletionHandler<Void, Object>) handler;
        try {
            return c.connectAsync(channel, (InetSocketAddress) remote, attachment, h);
        } catch (AlreadyConnectedException | ConnectionPendingException e) {
            throw e;
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
