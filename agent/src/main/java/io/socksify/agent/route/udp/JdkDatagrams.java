package io.socksify.agent.route.udp;

import static io.socksify.agent.route.JdkMembers.field;
import static io.socksify.agent.route.JdkMembers.method;

import io.socksify.agent.route.JdkMembers;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The {@code sun.nio.ch.DatagramChannelImpl} and {@code java.net.DatagramPacket} internals UDP routing needs, as
 * method and var handles ({@code sun.nio.ch} and {@code java.net} are opened to the agent's module on first use,
 * {@code JavaBaseAccess.open}). The
 * socket adaptor's receive is the one member that differs: JDK 17 has {@code SocketAddress blockingReceive(ByteBuffer,
 * long)}, JDK 25 {@code void blockingReceive(DatagramPacket, long)}; whichever exists is used.
 *
 * <p>On the first datagram routed (not at installation, which would load and retransform {@code DatagramChannelImpl}
 * in every JVM) it checks with plain reflection that every member exists with the expected type and makes the
 * handles; a JDK without one fails that datagram, and every later one, with a message naming the member.
 */
final class JdkDatagrams {
    private final JdkMembers.Lazy<Handles> handles = new JdkMembers.Lazy<>() {
        @Override
        protected Handles create() throws ReflectiveOperationException {
            return new Handles();
        }
    };

    /** Nothing is looked at yet: the first datagram routed checks and makes everything ({@link Handles}). */
    JdkDatagrams() {
    }

    /** The method handles, made on first use. */
    private Handles handles() {
        return handles.get();
    }

    private static final class Handles {
        final VarHandle remoteAddress;
        final MethodHandle stateLock;
        final MethodHandle connect;
        final MethodHandle blockingReceiveBuffer;
        final MethodHandle blockingReceivePacket;
        final VarHandle packetLength;
        final VarHandle packetBufLength;

        final boolean packetReceive;

        Handles() throws ReflectiveOperationException {
            Class<?> impl = Class.forName("sun.nio.ch.DatagramChannelImpl", false, null);
            // Plain reflection first: a JDK that lacks or changed a member is named in the failure.

            field(impl, "remoteAddress", InetSocketAddress.class, false);
            field(impl, "stateLock", Object.class, false);
            method(impl, "connect", DatagramChannel.class, false, SocketAddress.class, boolean.class);
            boolean packet;
            try {
                method(impl, "blockingReceive", SocketAddress.class, false, ByteBuffer.class, long.class);
                packet = false;
            } catch (NoSuchMethodException notJdk17) {
                method(impl, "blockingReceive", void.class, false, DatagramPacket.class, long.class);
                packet = true;
            }
            this.packetReceive = packet;
            field(DatagramPacket.class, "length", int.class, false);
            field(DatagramPacket.class, "bufLength", int.class, false);

            MethodHandles.Lookup own = MethodHandles.lookup();
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(impl, own);
            remoteAddress = lookup.findVarHandle(impl, "remoteAddress", InetSocketAddress.class);
            stateLock = channelTyped(lookup.findGetter(impl, "stateLock", Object.class));
            connect = channelTyped(lookup.findVirtual(impl, "connect",
                    MethodType.methodType(DatagramChannel.class, SocketAddress.class, boolean.class)));
            if (packetReceive) {
                blockingReceiveBuffer = null;
                blockingReceivePacket = channelTyped(lookup.findVirtual(impl, "blockingReceive",
                        MethodType.methodType(void.class, DatagramPacket.class, long.class)));
            } else {
                blockingReceiveBuffer = channelTyped(lookup.findVirtual(impl, "blockingReceive",
                        MethodType.methodType(SocketAddress.class, ByteBuffer.class, long.class)));
                blockingReceivePacket = null;
            }
            MethodHandles.Lookup packetLookup = MethodHandles.privateLookupIn(DatagramPacket.class, own);
            packetLength = packetLookup.findVarHandle(DatagramPacket.class, "length", int.class);
            packetBufLength = packetLookup.findVarHandle(DatagramPacket.class, "bufLength", int.class);
        }
    }

    /** Lets the handle be called with a {@code DatagramChannel} (a checked cast to the implementation). */
    private static MethodHandle channelTyped(MethodHandle handle) {
        return handle.asType(handle.type().changeParameterType(0, DatagramChannel.class));
    }

    /** The JDK's remote address of the channel, read without its lock (a stale value only delays a decision). */
    InetSocketAddress remoteAddress(DatagramChannel channel) {
        return (InetSocketAddress) handles().remoteAddress.getAcquire(channel);
    }

    /** Sets what {@code getRemoteAddress()} and the socket adaptor report, under the channel's state lock. */
    void setRemoteAddress(DatagramChannel channel, InetSocketAddress address) {
        Object lock;
        try {
            lock = (Object) handles().stateLock.invokeExact(channel);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        synchronized (lock) {
            handles().remoteAddress.setRelease(channel, address);
        }
    }

    /** The JDK's own {@code connect(SocketAddress, boolean check)} (the adaptor passes {@code check = false}). */
    void connect(DatagramChannel channel, SocketAddress address, boolean check) throws IOException {
        try {
            DatagramChannel ignored = (DatagramChannel) handles().connect.invokeExact(channel, address, check);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** JDK 17's adaptor receive; {@code nanos} 0 = no timeout. */
    SocketAddress blockingReceive(DatagramChannel channel, ByteBuffer dst, long nanos) throws IOException {
        try {
            return (SocketAddress) handles().blockingReceiveBuffer.invokeExact(channel, dst, nanos);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** JDK 25's adaptor receive; {@code nanos} 0 = no timeout; the caller holds the packet's lock. */
    void blockingReceive(DatagramChannel channel, DatagramPacket packet, long nanos) throws IOException {
        try {
            handles().blockingReceivePacket.invokeExact(channel, packet, nanos);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The packet's capacity, which {@code getLength()} stops telling once a receive has set the length. */
    int bufLength(DatagramPacket packet) {
        return (int) handles().packetBufLength.get(packet);
    }

    /** Sets the received length without shrinking the capacity ({@code setLength} would set both). */
    void setReceivedLength(DatagramPacket packet, int length) {
        handles().packetLength.set(packet, length);
    }

    private static IllegalStateException unexpected(Throwable t) {
        return new IllegalStateException("socksify: unexpected failure calling sun.nio.ch: " + t, t);
    }
}
