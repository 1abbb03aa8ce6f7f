package io.socksify.agent.route.nio;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The {@code sun.nio.ch} internals channel routing needs, as method handles. Every member used here has the same
 * name, type and meaning in JDK 17 and JDK 25. Private lookups into {@code sun.nio.ch} work because the installer
 * opens that package to the agent's module; a JDK without one of these members fails the installation (better than
 * routing some channels and not others).
 */
final class JdkChannels {
    private static final int ST_CONNECTIONPENDING = 1;
    private static final int ST_CONNECTED = 2;
    /** {@code sun.nio.ch.IOStatus.EOF} and {@code UNAVAILABLE}. */
    static final int EOF = -1;

    private final VarHandle state;
    private final MethodHandle stateLock;
    private final VarHandle remoteAddress;
    private final MethodHandle fd;
    private final MethodHandle blockingConnect;
    private final MethodHandle read;
    private final MethodHandle write;
    private final MethodHandle pollConnectNow;
    private final MethodHandle shutdown;
    private final MethodHandle resetKey;
    private final MethodHandle nioReadyOps;
    private final MethodHandle nioInterestOps;
    private final VarHandle asyncRemoteAddress;

    JdkChannels() throws ReflectiveOperationException {
        MethodHandles.Lookup own = MethodHandles.lookup();
        Class<?> channel = Class.forName("sun.nio.ch.SocketChannelImpl", false, null);
        Class<?> dispatcherType = Class.forName("sun.nio.ch.NativeDispatcher", false, null);
        Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil", false, null);
        Class<?> net = Class.forName("sun.nio.ch.Net", false, null);
        Class<?> key = Class.forName("sun.nio.ch.SelectionKeyImpl", false, null);
        Class<?> async = Class.forName("sun.nio.ch.AsynchronousSocketChannelImpl", false, null);

        MethodHandles.Lookup channelLookup = MethodHandles.privateLookupIn(channel, own);
        state = channelLookup.findVarHandle(channel, "state", int.class);
        stateLock = generic(channelLookup.findGetter(channel, "stateLock", Object.class));
        remoteAddress = channelLookup.findVarHandle(channel, "remoteAddress", SocketAddress.class);
        fd = generic(channelLookup.findGetter(channel, "fd", FileDescriptor.class));
        blockingConnect = generic(channelLookup.findVirtual(channel, "blockingConnect",
                MethodType.methodType(void.class, SocketAddress.class, long.class)));
        Object nd = staticValue(channel, "nd");

        MethodHandles.Lookup ioLookup = MethodHandles.privateLookupIn(ioUtil, own);
        // IOUtil.read/write(fd, buffer, position -1 = "not positional", nd): what SocketChannelImpl itself calls.
        MethodType io = MethodType.methodType(int.class, FileDescriptor.class, ByteBuffer.class, long.class,
                dispatcherType);
        read = MethodHandles.insertArguments(ioLookup.findStatic(ioUtil, "read", io), 2, -1L, nd);
        write = MethodHandles.insertArguments(ioLookup.findStatic(ioUtil, "write", io), 2, -1L, nd);

        MethodHandles.Lookup netLookup = MethodHandles.privateLookupIn(net, own);
        pollConnectNow = netLookup.findStatic(net, "pollConnectNow",
                MethodType.methodType(boolean.class, FileDescriptor.class));
        int shutRdWr = (int) staticValue(net, "SHUT_RDWR");
        shutdown = MethodHandles.insertArguments(netLookup.findStatic(net, "shutdown",
                MethodType.methodType(void.class, FileDescriptor.class, int.class)), 1, shutRdWr);

        MethodHandles.Lookup keyLookup = MethodHandles.privateLookupIn(key, own);
        resetKey = generic(keyLookup.findVirtual(key, "reset", MethodType.methodType(void.class)));
        nioReadyOps = generic(keyLookup.findVirtual(key, "nioReadyOps", MethodType.methodType(void.class, int.class)));
        nioInterestOps = generic(keyLookup.findVirtual(key, "nioInterestOps", MethodType.methodType(int.class)));

        asyncRemoteAddress = MethodHandles.privateLookupIn(async, own)
                .findVarHandle(async, "remoteAddress", InetSocketAddress.class);
    }

    private static Object staticValue(Class<?> type, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(null);
    }

    /** Erases the receiver type to Object so that {@code invokeExact} can be called without naming JDK internals. */
    private static MethodHandle generic(MethodHandle handle) {
        return handle.asType(handle.type().changeParameterType(0, Object.class));
    }

    FileDescriptor fd(SocketChannel channel) {
        try {
            return (FileDescriptor) fd.invokeExact((Object) channel);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The JDK's own timed connect (what {@code socket().connect(address, timeout)} calls); closes on failure. */
    void blockingConnect(SocketChannel channel, SocketAddress address, long nanos) throws IOException {
        try {
            blockingConnect.invokeExact((Object) channel, address, nanos);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Sets the address {@code getRemoteAddress()} and the socket adaptor report. */
    void setRemoteAddress(SocketChannel channel, SocketAddress address) {
        synchronized (stateLock(channel)) {
            remoteAddress.set(channel, address);
        }
    }

    /**
     * Puts a channel the JDK has just marked connected (a non-blocking connect that completed at once, usual on
     * loopback) back to "connection pending": connected to the proxy is not connected to the destination.
     */
    void markPending(SocketChannel channel) {
        synchronized (stateLock(channel)) {
            if ((int) state.getVolatile(channel) == ST_CONNECTED) {
                state.setVolatile(channel, ST_CONNECTIONPENDING);
            }
        }
    }

    private Object stateLock(SocketChannel channel) {
        try {
            return (Object) stateLock.invokeExact((Object) channel);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes read, {@link #EOF}, or another negative value when nothing is available */
    int read(FileDescriptor fd, ByteBuffer buffer) throws IOException {
        try {
            return (int) read.invokeExact(fd, buffer);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes written, or a negative value when the socket cannot take any now */
    int write(FileDescriptor fd, ByteBuffer buffer) throws IOException {
        try {
            return (int) write.invokeExact(fd, buffer);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return whether the TCP connect finished; throws its failure (e.g. "Connection refused") */
    boolean pollConnectNow(FileDescriptor fd) throws IOException {
        try {
            return (boolean) pollConnectNow.invokeExact(fd);
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
            shutdown.invokeExact(fd);
        } catch (Throwable ignored) {
            // Not connected (any more): there is nothing to shut down, and the channel is failed anyway.
        }
    }

    /** Re-queues the key for its selector to translate its interest again, and wakes that selector. */
    void reset(SelectionKey key) {
        try {
            resetKey.invokeExact((Object) key);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    void readyOps(Object key, int ops) {
        try {
            nioReadyOps.invokeExact(key, ops);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The interest set without the validity check of {@link SelectionKey#interestOps()}. */
    int interestOps(Object key) {
        try {
            return (int) nioInterestOps.invokeExact(key);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    void setRemoteAddress(AsynchronousSocketChannel channel, InetSocketAddress address) {
        asyncRemoteAddress.setVolatile(channel, address);
    }

    private static IllegalStateException unexpected(Throwable t) {
        return new IllegalStateException("socksify: unexpected failure calling sun.nio.ch: " + t, t);
    }
}
