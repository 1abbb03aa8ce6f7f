package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP echo server on loopback: a datagram from the accepted source address is sent back to its sender
 * unchanged; one from any other source is dropped (or, made by {@link #answeringRejected}, answered with
 * {@link #REJECTED}) and its sender recorded in {@link #rejectedSources()}.
 */
public final class UdpEchoTarget extends RecordingTarget {

    private static final AtomicInteger IDS = new AtomicInteger();

    /**
     * What a target made by {@link #answeringRejected} sends back to a sender it turns away, so that a client
     * that checks its echo fails at once instead of waiting out its receive timeout.
     */
    public static final String REJECTED = "rejected by the UDP target";

    private final DatagramSocket socket;
    private final InetSocketAddress address;
    private final Thread thread;
    private final boolean answerRejected;
    private volatile boolean closed;

    private UdpEchoTarget(DatagramSocket socket, InetAddress acceptedSource, boolean answerRejected) {
        super(acceptedSource);
        this.socket = socket;
        this.answerRejected = answerRejected;
        this.address = (InetSocketAddress) socket.getLocalSocketAddress();
        this.thread = new Thread(this::loop, "it-target-UdpEchoTarget-" + IDS.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    /** On 127.0.0.1, any port, echoing only datagrams from {@code source}. */
    public static UdpEchoTarget acceptingOnly(InetAddress source) {
        return start(Loopback.LOCALHOST, source);
    }

    /**
     * On 127.0.0.1, any port, echoing only datagrams from {@code source} and answering every other one with
     * {@link #REJECTED} (still recorded as rejected: the reply proves nothing passed, it only ends the wait).
     */
    public static UdpEchoTarget answeringRejected(InetAddress source) {
        return start(Loopback.LOCALHOST, source, true);
    }

    /** On 127.0.0.1, any port, echoing every datagram (still recording the senders). */
    public static UdpEchoTarget acceptingAny() {
        return start(Loopback.LOCALHOST, null);
    }

    /**
     * On {@code bindAddress}, any port.
     *
     * @param acceptedSource the only sender address echoed, or {@code null} for any
     */
    public static UdpEchoTarget start(InetAddress bindAddress, InetAddress acceptedSource) {
        return start(bindAddress, acceptedSource, false);
    }

    private static UdpEchoTarget start(InetAddress bindAddress, InetAddress acceptedSource, boolean answerRejected) {
        try {
            return new UdpEchoTarget(new DatagramSocket(new InetSocketAddress(bindAddress, 0)), acceptedSource,
                    answerRejected);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind UDP on " + bindAddress.getHostAddress(), e);
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    private void loop() {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                if (admit((InetSocketAddress) packet.getSocketAddress())) {
                    socket.send(new DatagramPacket(packet.getData(), packet.getOffset(), packet.getLength(),
                            packet.getSocketAddress()));
                } else if (answerRejected) {
                    byte[] reply = REJECTED.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // An ICMP error from an earlier send can surface here; keep serving.
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
