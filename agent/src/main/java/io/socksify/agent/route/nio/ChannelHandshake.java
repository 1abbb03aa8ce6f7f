package io.socksify.agent.route.nio;

import io.socksify.agent.config.Chain;
import io.socksify.agent.route.Router;
import io.socksify.protocol.client.SocksClientHandshake;

import java.io.FileDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The SOCKS handshake of one non-blocking {@link SocketChannel}, from its {@code connect} until the application's
 * {@code finishConnect} has seen the outcome. The driver thread does the I/O; application selector threads only ask
 * {@link #maskKey} whether to hide the channel from their selector; {@code finishConnect} asks {@link #outcome}.
 */
final class ChannelHandshake {
    final SocketChannel channel;
    final InetSocketAddress destination;
    /** The routing state the connect was decided with: its proxies' health learns the outcome. */
    final Router router;
    final Chain chain;
    /** One handshake per hop, each asking for the next hop's address (the last for the destination). */
    final SocksClientHandshake[] hops;
    /** The hop whose handshake runs: written by the driver thread, read by {@link #toString()}. */
    volatile int hop;
    final long deadlineNanos;
    final long budgetMillis;
    /** Handshake bytes not yet taken by the socket (a SOCKS message is at most 520 bytes). */
    final ByteBuffer out = ByteBuffer.allocate(600).limit(0);

    // Driver thread only.
    FileDescriptor fd;
    SelectionKey key;
    boolean tcpConnected;

    // Guarded by this.
    private final List<SelectionKey> maskedKeys = new ArrayList<>(1);
    private boolean completed;
    private IOException failure;

    /** @return when the handshake started: its deadline less its budget */
    long startedNanos() {
        return deadlineNanos - TimeUnit.MILLISECONDS.toNanos(budgetMillis);
    }

    ChannelHandshake(SocketChannel channel, InetSocketAddress destination, Router router, Chain chain,
            SocksClientHandshake[] hops, long budgetMillis) {
        this.channel = channel;
        this.destination = destination;
        this.router = router;
        this.chain = chain;
        this.hops = hops;
        this.budgetMillis = budgetMillis;
        this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
    }

    /**
     * Called by an application's selector when it translates {@code key}: while the handshake runs, the key is
     * remembered (to be woken at completion) and must be hidden.
     *
     * @return whether to hide the channel from this key's selector
     */
    synchronized boolean maskKey(SelectionKey key) {
        if (completed) {
            return false;
        }
        if (!maskedKeys.contains(key)) {
            maskedKeys.add(key);
        }
        return true;
    }

    /**
     * Records the outcome once.
     *
     * @return the application keys to wake, or null if the outcome was already set
     */
    synchronized List<SelectionKey> complete(IOException failure) {
        if (completed) {
            return null;
        }
        completed = true;
        this.failure = failure;
        notifyAll();
        return new ArrayList<>(maskedKeys);
    }

    synchronized boolean completed() {
        return completed;
    }

    /** @return the failure, or null when the handshake succeeded or still runs */
    synchronized IOException failure() {
        return failure;
    }

    /**
     * Waits for the outcome (a blocking {@code finishConnect} after a non-blocking {@code connect}).
     *
     * @return the failure, or null on success
     */
    synchronized IOException awaitOutcome() throws IOException {
        while (!completed) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            try {
                // The driver fails it at the deadline; the extra second only guards against a dead driver.
                if (left < -1000) {
                    throw new IOException("socksify: the handshake with the proxy did not finish; nothing was sent"
                            + " directly");
                }
                wait(Math.max(1, left + 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.nio.channels.ClosedByInterruptException();
            }
        }
        return failure;
    }

    /** @return the outcome as the application sees it: null while running */
    synchronized Outcome outcome() {
        if (!completed) {
            return Outcome.RUNNING;
        }
        return failure == null ? Outcome.SUCCEEDED : Outcome.FAILED;
    }

    enum Outcome { RUNNING, SUCCEEDED, FAILED }

    /** @return the handshake of the hop being negotiated */
    SocksClientHandshake socks() {
        return hops[hop];
    }

    /** @return whether another hop follows the current one (its handshake runs next, over the same connection) */
    boolean nextHop() {
        if (hop + 1 < hops.length) {
            hop++;
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return chain.size() == 1 ? socks().context() : "via " + chain + ": " + socks().context();
    }
}
