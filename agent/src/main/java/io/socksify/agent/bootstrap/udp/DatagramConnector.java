package io.socksify.agent.bootstrap.udp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Routes the datagrams of {@code sun.nio.ch.DatagramChannelImpl} (the channel under every {@code DatagramSocket}
 * since JDK 15); installed by the installer, called through {@link DatagramDispatcher}. Each method mirrors one JDK
 * method and either does its whole job (through the proxy's UDP relay) or answers {@link DatagramDispatcher#PASS} /
 * {@link DatagramDispatcher#PASS_COUNT} / false to let the JDK's own code run (a bypassed destination, a channel
 * that has nothing to do with the proxy).
 */
public interface DatagramConnector {
    /** {@code int send(ByteBuffer, SocketAddress)}: bytes of payload sent, or {@code PASS_COUNT}. */
    long send(DatagramChannel channel, ByteBuffer src, SocketAddress target) throws IOException;

    /** {@code SocketAddress receive(ByteBuffer)}: the real sender (null: none, non-blocking), or {@code PASS}. */
    Object receive(DatagramChannel channel, ByteBuffer dst) throws IOException;

    /** {@code int read(ByteBuffer)} of a connected channel. */
    long read(DatagramChannel channel, ByteBuffer dst) throws IOException;

    /** {@code long read(ByteBuffer[], int, int)} of a connected channel. */
    long read(DatagramChannel channel, ByteBuffer[] dsts, int offset, int length) throws IOException;

    /** {@code int write(ByteBuffer)} of a connected channel. */
    long write(DatagramChannel channel, ByteBuffer src) throws IOException;

    /** {@code long write(ByteBuffer[], int, int)} of a connected channel. */
    long write(DatagramChannel channel, ByteBuffer[] srcs, int offset, int length) throws IOException;

    /** {@code DatagramChannel connect(SocketAddress, boolean check)}: true when connected through the proxy. */
    boolean connect(DatagramChannel channel, SocketAddress remote, boolean check) throws IOException;

    /** JDK 17's {@code SocketAddress blockingReceive(ByteBuffer, long nanos)}, the socket adaptor's receive. */
    Object blockingReceive(DatagramChannel channel, ByteBuffer dst, long nanos) throws IOException;

    /** JDK 25's {@code void blockingReceive(DatagramPacket, long nanos)}: true when received (the packet is filled). */
    boolean blockingReceive(DatagramChannel channel, DatagramPacket packet, long nanos) throws IOException;

    /** {@code implCloseSelectableChannel()}: the channel is closing; its association ends with it. */
    void closed(DatagramChannel channel);
}
