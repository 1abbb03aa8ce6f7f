package io.socksify.agent.bootstrap.udp;

import io.socksify.agent.bootstrap.KdcTraffic;
import io.socksify.agent.bootstrap.ServerThreads;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The entry points the prologues in {@code sun.nio.ch.DatagramChannelImpl} call (see the hook table,
 * {@code instrument/Hooks.datagram()}). No logic of its own: it lets the JDK run when socksify is not installed,
 * for socksify's own calls into the originals ({@link UdpGuard}) and for the threads of the embedded SOCKS server
 * ({@link ServerThreads}: its UDP relay sends to destinations directly, or it would route itself through itself), and hands
 * everything else to the installed {@link DatagramConnector}. An internal failure becomes the operation's own
 * {@link SocketException}: it never lets a datagram go out directly.
 */
public final class DatagramDispatcher {
    /** "Let the JDK run" for the methods returning an object (a receive may legitimately return null). */
    public static final Object PASS = new Object();
    /** "Let the JDK run" for the methods returning a count. */
    public static final long PASS_COUNT = Long.MIN_VALUE;

    private static volatile DatagramConnector connector;

    private DatagramDispatcher() {
    }

    public static void install(DatagramConnector datagramConnector) {
        connector = datagramConnector;
    }

    private static DatagramConnector active() {
        DatagramConnector c = connector;
        if (c == null || UdpGuard.inside() || ServerThreads.current() || KdcTraffic.current()) {
            return null;
        }
        return c;
    }

    public static long send(DatagramChannel channel, ByteBuffer src, SocketAddress target) throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return PASS_COUNT;
        }
        try {
            return c.send(channel, src, target);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("sending to " + target, e);
        }
    }

    public static Object receive(DatagramChannel channel, ByteBuffer dst) throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return PASS;
        }
        try {
            return c.receive(channel, dst);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("receiving", e);
        }
    }

    public static long read(DatagramChannel channel, ByteBuffer dst) throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return PASS_COUNT;
        }
        try {
            return c.read(channel, dst);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("reading", e);
        }
    }

    public static long readScattering(DatagramChannel channel, ByteBuffer[] dsts, int offset, int length)
            throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return PASS_COUNT;
        }
        try {
            return c.read(channel, dsts, offset, length);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("reading", e);
        }
    }

    public static long write(DatagramChannel channel, ByteBuffer src) throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return PASS_COUNT;
        }
        try {
            return c.write(channel, src);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("writing", e);
        }
    }

    public static long writeGathering(DatagramChannel channel, ByteBuffer[] srcs, int offset, int length)
            throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return PASS_COUNT;
        }
        try {
            return c.write(channel, srcs, offset, length);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("writing", e);
        }
    }

    public static boolean connect(DatagramChannel channel, SocketAddress remote, boolean check) throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return false;
        }
        try {
            return c.connect(channel, remote, check);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("connecting to " + remote, e);
        }
    }

    public static Object blockingReceive(DatagramChannel channel, ByteBuffer dst, long nanos) throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return PASS;
        }
        try {
            return c.blockingReceive(channel, dst, nanos);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("receiving", e);
        }
    }

    public static boolean blockingReceivePacket(DatagramChannel channel, DatagramPacket packet, long nanos)
            throws IOException {
        DatagramConnector c = active();
        if (c == null) {
            return false;
        }
        try {
            return c.blockingReceive(channel, packet, nanos);
        } catch (RuntimeException | LinkageError e) {
            throw internalError("receiving", e);
        }
    }

    /** Never throws: the channel closes whatever happens here. */
    public static void closed(DatagramChannel channel) {
        DatagramConnector c = connector;
        if (c == null) {
            return;
        }
        try {
            c.closed(channel);
        } catch (RuntimeException | LinkageError e) {
            // The close must go on; an association left open is closed once the channel is collected.
        }
    }

    private static SocketException internalError(String what, Throwable e) {
        SocketException failure = new SocketException("socksify: internal error while " + what
                + " through the proxy's UDP relay (nothing was sent directly): " + e);
        failure.initCause(e);
        return failure;
    }
}
