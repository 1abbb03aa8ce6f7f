package io.socksify.agent.route.nio;

import static io.socksify.agent.route.JdkMembers.field;
import static io.socksify.agent.route.JdkMembers.method;

import io.socksify.agent.route.JdkMembers;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The {@code sun.nio.ch} internals channel routing needs, as method handles. Every member used here has the same
 * name, type and meaning in JDK 17 and JDK 25. Private lookups into {@code sun.nio.ch} work because the installer
 * opens that package to the agent's module.
 *
 * <p>On the first channel routed (not at installation: loading the seven {@code sun.nio.ch} classes and retransforming
 * them cost a JVM that never opens a channel about 30 ms of start-up) it checks with plain reflection that every
 * member exists with the expected type, reads the JDK's constants ({@code ST_CONNECTIONPENDING},
 * {@code ST_CONNECTED}, {@code IOStatus.EOF}, {@code Net.SHUT_RDWR}) from the JDK itself, and makes the method
 * handles. A JDK that lacks or changes one fails that connection, and every later one, with a message naming the
 * member (fail-closed: better than routing some channels and not others, or corrupting a channel's state).
 */
final class JdkChannels {
    private final JdkMembers.Lazy<Handles> handles = new JdkMembers.Lazy<>() {
        @Override
        protected Handles create() throws ReflectiveOperationException {
            return new Handles();
        }
    };

    /** Nothing is looked at yet: the first channel routed checks and makes everything ({@link Handles}). */
    JdkChannels() {
    }

    /** The method handles, made on first use. */
    private Handles handles() {
        return handles.get();
    }

    private static final class Handles {
        final VarHandle state;
        final MethodHandle stateLock;
        final VarHandle remoteAddress;
        final MethodHandle fd;
        final MethodHandle blockingConnect;
        final MethodHandle read;
        final MethodHandle write;
        final MethodHandle pollConnectNow;
        final MethodHandle shutdown;
        final MethodHandle resetKey;
        final MethodHandle nioReadyOps;
        final MethodHandle nioInterestOps;
        final VarHandle asyncRemoteAddress;
        final int stConnectionPending;
        final int stConnected;
        /** {@code sun.nio.ch.IOStatus.EOF}. */
        final int eof;

        Handles() throws ReflectiveOperationException {
            // Plain reflection first: a JDK that lacks or changed a member is named in the failure.

            Class<?> channel = Class.forName("sun.nio.ch.SocketChannelImpl", false, null);
            Class<?> dispatcherType = Class.forName("sun.nio.ch.NativeDispatcher", false, null);
            Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil", false, null);
            Class<?> ioStatus = Class.forName("sun.nio.ch.IOStatus", false, null);
            Class<?> net = Class.forName("sun.nio.ch.Net", false, null);
            Class<?> key = Class.forName("sun.nio.ch.SelectionKeyImpl", false, null);
            Class<?> async = Class.forName("sun.nio.ch.AsynchronousSocketChannelImpl", false, null);

            this.stConnectionPending = constant(channel, "ST_CONNECTIONPENDING");
            this.stConnected = constant(channel, "ST_CONNECTED");
            this.eof = constant(ioStatus, "EOF");
            int shutRdWr = constant(net, "SHUT_RDWR");

            field(channel, "state", int.class, false);
            field(channel, "stateLock", Object.class, false);
            field(channel, "remoteAddress", SocketAddress.class, false);
            field(channel, "fd", FileDescriptor.class, false);
            field(channel, "nd", dispatcherType, true);
            method(channel, "blockingConnect", void.class, false, SocketAddress.class, long.class);
            method(ioUtil, "read", int.class, true, FileDescriptor.class, ByteBuffer.class, long.class,
                    dispatcherType);
            method(ioUtil, "write", int.class, true, FileDescriptor.class, ByteBuffer.class, long.class,
                    dispatcherType);
            method(net, "pollConnectNow", boolean.class, true, FileDescriptor.class);
            method(net, "shutdown", void.class, true, FileDescriptor.class, int.class);
            method(key, "reset", void.class, false);
            method(key, "nioReadyOps", void.class, false, int.class);
            method(key, "nioInterestOps", int.class, false);
            field(async, "remoteAddress", InetSocketAddress.class, false);

            MethodHandles.Lookup own = MethodHandles.lookup();

            MethodHandles.Lookup channelLookup = MethodHandles.privateLookupIn(channel, own);
            state = channelLookup.findVarHandle(channel, "state", int.class);
            stateLock = generic(channelLookup.findGetter(channel, "stateLock", Object.class));
            remoteAddress = channelLookup.findVarHandle(channel, "remoteAddress", SocketAddress.class);
            fd = generic(channelLookup.findGetter(channel, "fd", FileDescriptor.class));
            blockingConnect = generic(channelLookup.findVirtual(channel, "blockingConnect",
                    MethodType.methodType(void.class, SocketAddress.class, long.class)));
            Field ndField = channel.getDeclaredField("nd");
            ndField.setAccessible(true);
            Object nd = ndField.get(null);

            MethodHandles.Lookup ioLookup = MethodHandles.privateLookupIn(ioUtil, own);
            // IOUtil.read/write(fd, buffer, position -1 = "not positional", nd): what SocketChannelImpl itself calls.
            MethodType io = MethodType.methodType(int.class, FileDescriptor.class, ByteBuffer.class, long.class,
                    dispatcherType);
            read = MethodHandles.insertArguments(ioLookup.findStatic(ioUtil, "read", io), 2, -1L, nd);
            write = MethodHandles.insertArguments(ioLookup.findStatic(ioUtil, "write", io), 2, -1L, nd);

            MethodHandles.Lookup netLookup = MethodHandles.privateLookupIn(net, own);
            pollConnectNow = netLookup.findStatic(net, "pollConnectNow",
                    MethodType.methodType(boolean.class, FileDescriptor.class));
            shutdown = MethodHandles.insertArguments(netLookup.findStatic(net, "shutdown",
                    MethodType.methodType(void.class, FileDescriptor.class, int.class)), 1, shutRdWr);

            MethodHandles.Lookup keyLookup = MethodHandles.privateLookupIn(key, own);
            resetKey = generic(keyLookup.findVirtual(key, "reset", MethodType.methodType(void.class)));
            nioReadyOps = generic(keyLookup.findVirtual(key, "nioReadyOps",
                    MethodType.methodType(void.class, int.class)));
            nioInterestOps = generic(keyLookup.findVirtual(key, "nioInterestOps", MethodType.methodType(int.class)));

            asyncRemoteAddress = MethodHandles.privateLookupIn(async, own)
                    .findVarHandle(async, "remoteAddress", InetSocketAddress.class);
        }
    }

    /** The value of a JDK constant ({@code static final int}), read from the JDK rather than copied. */
    private static int constant(Class<?> type, String name) throws ReflectiveOperationException {
        Field f = field(type, name, int.class, true);
        f.setAccessible(true); // sun.nio.ch is open to the agent (JdkMembers.Lazy opens it)
        return f.getInt(null);
    }

    /** Erases the receiver type to Object so that {@code invokeExact} can be called without naming JDK internals. */
    private static MethodHandle generic(MethodHandle handle) {
        return handle.asType(handle.type().changeParameterType(0, Object.class));
    }

    /** @return whether {@code n}, a result of {@link #read}, is the JDK's end of stream */
    boolean isEof(int n) {
        return n == handles().eof;
    }

    FileDescriptor fd(SocketChannel channel) {
        try {
            return (FileDescriptor) handles().fd.invokeExact((Object) channel);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The JDK's own timed connect (what {@code socket().connect(address, timeout)} calls); closes on failure. */
    void blockingConnect(SocketChannel channel, SocketAddress address, long nanos) throws IOException {
        try {
            handles().blockingConnect.invokeExact((Object) channel, address, nanos);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Sets the address {@code getRemoteAddress()} and the socket adaptor report. */
    void setRemoteAddress(SocketChannel channel, SocketAddress address) {
        synchronized (stateLock(channel)) {
            handles().remoteAddress.set(channel, address);
        }
    }

    /**
     * Puts a channel the JDK has just marked connected (a non-blocking connect that completed at once, usual on
     * loopback) back to "connection pending": connected to the proxy is not connected to the destination.
     */
    void markPending(SocketChannel channel) {
        synchronized (stateLock(channel)) {
            Handles h = handles();
            VarHandle state = h.state;
            if ((int) state.getVolatile(channel) == h.stConnected) {
                state.setVolatile(channel, h.stConnectionPending);
            }
        }
    }

    private Object stateLock(SocketChannel channel) {
        try {
            return (Object) handles().stateLock.invokeExact((Object) channel);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes read, end of stream ({@link #isEof}), or another negative value when nothing is available */
    int read(FileDescriptor fd, ByteBuffer buffer) throws IOException {
        try {
            return (int) handles().read.invokeExact(fd, buffer);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes written, or a negative value when the socket cannot take any now */
    int write(FileDescriptor fd, ByteBuffer buffer) throws IOException {
        try {
            return (int) handles().write.invokeExact(fd, buffer);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return whether the TCP connect finished; throws its failure (e.g. "Connection refused") */
    boolean pollConnectNow(FileDescriptor fd) throws IOException {
        try {
            return (boolean) handles().pollConnectNow.invokeExact(fd);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Shuts the socket down both ways: nothing more can pass, and every selector polling it sees it hang up (on
     * Linux this also aborts a connect still in progress).
     */
    void shutdown(FileDescriptor fd) {
        try {
            handles().shutdown.invokeExact(fd);
        } catch (Throwable ignored) {
            // Not connected (any more): there is nothing to shut down, and the channel is failed anyway.
        }
    }

    /** Re-queues the key for its selector to translate its interest again, and wakes that selector. */
    void reset(SelectionKey key) {
        try {
            handles().resetKey.invokeExact((Object) key);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    void readyOps(Object key, int ops) {
        try {
            handles().nioReadyOps.invokeExact(key, ops);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The interest set without the validity check of {@link SelectionKey#interestOps()}. */
    int interestOps(Object key) {
        try {
            return (int) handles().nioInterestOps.invokeExact(key);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    void setRemoteAddress(AsynchronousSocketChannel channel, InetSocketAddress address) {
        handles().asyncRemoteAddress.setVolatile(channel, address);
    }

    private static IllegalStateException unexpected(Throwable t) {
        return new IllegalStateException("socksify: unexpected failure calling sun.nio.ch: " + t, t);
    }
}
