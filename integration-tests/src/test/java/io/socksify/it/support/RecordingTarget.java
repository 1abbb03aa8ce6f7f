package io.socksify.it.support;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A loopback server that proves transit: it serves only connections (or datagrams) from one source address,
 * closes everything else at once, and records both. With a proxy that sends from {@link Loopback#PROXY_EXTERNAL}
 * and a target accepting only that address, {@link #assertNoRejected()} shows that no direct connection ever
 * arrived.
 */
public abstract class RecordingTarget implements AutoCloseable {

    private final InetAddress acceptedSource;
    private final List<InetSocketAddress> accepted = new ArrayList<>();
    private final List<InetSocketAddress> rejected = new ArrayList<>();

    /** @param acceptedSource the only source served, or {@code null} to serve every source */
    protected RecordingTarget(InetAddress acceptedSource) {
        this.acceptedSource = acceptedSource;
    }

    /** Where the target listens. */
    public abstract InetSocketAddress address();

    /** Stops listening, closes open connections and stops (and waits for) the target's threads. */
    @Override
    public abstract void close();

    /** The host of {@link #address()} as an IP literal. */
    public String host() {
        return address().getAddress().getHostAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** The only source address served; empty when every source is. */
    public Optional<InetAddress> acceptedSource() {
        return Optional.ofNullable(acceptedSource);
    }

    /** Sources served so far, one entry per connection (per request for HTTP, per datagram for UDP). */
    public synchronized List<InetSocketAddress> acceptedSources() {
        return List.copyOf(accepted);
    }

    /** Sources turned away so far, one entry per connection (per request for HTTP, per datagram for UDP). */
    public synchronized List<InetSocketAddress> rejectedSources() {
        return List.copyOf(rejected);
    }

    /** Waits until at least {@code count} connections (or datagrams) have been served. */
    public void awaitAccepted(int count, Duration timeout) {
        await(true, count, timeout);
    }

    /** Waits until at least {@code count} connections (or datagrams) have been turned away. */
    public void awaitRejected(int count, Duration timeout) {
        await(false, count, timeout);
    }

    /** Fails, naming them, if any connection or datagram came from a source other than the accepted one. */
    public synchronized void assertNoRejected() {
        if (!rejected.isEmpty()) {
            throw new AssertionError(this + " was reached from " + rejected + " although it accepts only "
                    + describeSource() + "; these did not come through the proxy");
        }
    }

    /**
     * Records {@code source} and says whether to serve it. Subclasses call this once per connection or
     * datagram, before reading anything from it.
     */
    protected final synchronized boolean admit(InetSocketAddress source) {
        boolean ok = acceptedSource == null || acceptedSource.equals(source.getAddress());
        (ok ? accepted : rejected).add(source);
        notifyAll();
        return ok;
    }

    private synchronized void await(boolean acceptedList, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<InetSocketAddress> list = acceptedList ? accepted : rejected;
        while (list.size() < count) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                throw new AssertionError(this + ": expected at least " + count
                        + (acceptedList ? " accepted" : " rejected") + " sources within " + timeout + "; accepted "
                        + accepted + ", rejected " + rejected);
            }
            try {
                wait(leftMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    private String describeSource() {
        return acceptedSource == null ? "any source" : acceptedSource.getHostAddress();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + host() + ":" + port() + ", accepting " + describeSource() + "]";
    }
}
