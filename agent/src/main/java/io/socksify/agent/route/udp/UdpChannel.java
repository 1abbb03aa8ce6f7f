package io.socksify.agent.route.udp;

import io.socksify.protocol.client.UdpAssociation;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.DatagramChannel;

/**
 * What socksify keeps for one datagram channel (one {@code DatagramSocket}): its UDP association, opened on first
 * use and ended when the channel closes, and the destination it is connected to through the proxy. Kept beside the
 * channel rather than in it: a retransformed JDK class cannot get fields.
 */
final class UdpChannel {
    /** The proxy of the association, once opened: a destination routed elsewhere cannot use it. */
    volatile io.socksify.agent.config.Hop hop;

    /** Held while the association opens, so that one channel never opens two. */
    final Object lock = new Object();
    /** Closes the association of a channel the application dropped without closing it. */
    final Abandoned reference;
    private volatile UdpAssociation association;
    /** Set when the proxy ended the association: every later use of the channel fails with it. */
    private volatile String endedByProxy;
    private boolean closed;
    /** The header's destination of a connected channel (a name when the proxy resolves it). */
    private volatile InetSocketAddress connectedTarget;
    /** The destination the channel reports: the very object set as the JDK's {@code remoteAddress}. */
    private volatile InetSocketAddress connectedReported;

    UdpChannel(DatagramChannel channel, ReferenceQueue<DatagramChannel> queue) {
        this.reference = new Abandoned(channel, queue, this);
    }

    UdpAssociation association() {
        return association;
    }

    /** @throws SocketException when the proxy has ended the association */
    UdpAssociation usableAssociation() throws SocketException {
        String ended = endedByProxy;
        if (ended != null) {
            throw new SocketException(ended);
        }
        return association;
    }

    /** Called with {@link #lock} held. @return false if the channel closed meanwhile (the caller closes it) */
    boolean setAssociation(UdpAssociation a) {
        if (closed) {
            return false;
        }
        association = a;
        return true;
    }

    void endedByProxy(String message) {
        endedByProxy = message;
    }

    /** @return the association to close, or null */
    UdpAssociation close() {
        synchronized (lock) {
            closed = true;
            UdpAssociation a = association;
            association = null;
            return a;
        }
    }

    boolean closed() {
        synchronized (lock) {
            return closed;
        }
    }

    void connected(InetSocketAddress target, InetSocketAddress reported) {
        connectedTarget = target;
        connectedReported = reported;
    }

    /** @param jdkRemote the JDK's current remote address of the channel */
    boolean routedConnected(InetSocketAddress jdkRemote) {
        return jdkRemote != null && jdkRemote == connectedReported;
    }

    InetSocketAddress connectedTarget() {
        return connectedTarget;
    }

    InetSocketAddress connectedReported() {
        return connectedReported;
    }

    /** Becomes enqueued once the channel is unreachable; the state it points to holds no reference to the channel. */
    static final class Abandoned extends WeakReference<DatagramChannel> {
        final UdpChannel state;

        Abandoned(DatagramChannel channel, ReferenceQueue<DatagramChannel> queue, UdpChannel state) {
            super(channel, queue);
            this.state = state;
        }
    }
}
