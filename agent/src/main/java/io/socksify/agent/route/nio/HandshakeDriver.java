package io.socksify.agent.route.nio;

import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.route.Hops;
import io.socksify.protocol.client.SocksClientHandshake;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs the SOCKS handshakes of non-blocking {@link SocketChannel}s on one private thread with its own
 * {@link Selector}, so that no application event loop ever waits for, or spins on, a proxy. The application's own
 * channel is registered with this selector (a channel may have keys in several selectors), which also makes the JDK
 * keep its file descriptor open until the driver has let go of it, whatever the application does meanwhile.
 */
final class HandshakeDriver implements Runnable {
    /** Longest sleep: how soon a channel the application closed mid-handshake is noticed and released. */
    private static final long MAX_SELECT_MILLIS = 500;

    private final JdkChannels jdk;
    /** Every handshake that runs, or failed and waits for the application's {@code finishConnect}. */
    private final Map<SelectableChannel, ChannelHandshake> handshakes = new ConcurrentHashMap<>();
    // Made with the selector, when the first non-blocking handshake starts (not while the JVM starts: the queue's
    // class makes VarHandles, the direct buffer initializes the JDK's direct memory accounting); the volatile write
    // of the selector publishes them.
    private Queue<ChannelHandshake> submitted;
    private ByteBuffer in;
    private volatile Selector selector;

    HandshakeDriver(JdkChannels jdk) {
        this.jdk = jdk;
    }

    /** Fast check for the selector hooks: true while no channel is in a handshake. */
    boolean idle() {
        return handshakes.isEmpty();
    }

    ChannelHandshake get(SelectableChannel channel) {
        return handshakes.get(channel);
    }

    /** Tracks a handshake from before the JDK's connect, so that selectors hide the channel from the start. */
    boolean track(ChannelHandshake handshake) {
        return handshakes.putIfAbsent(handshake.channel, handshake) == null;
    }

    void forget(SelectableChannel channel) {
        handshakes.remove(channel);
    }

    /**
     * A handshake that failed outside the driver (the GSS-API relay's connect thread): forgotten at once if the
     * application has closed its channel, otherwise kept for {@code finishConnect} with the driver's thread running,
     * whose loop forgets it once the channel is closed without a {@code finishConnect}.
     */
    void failedOutside(ChannelHandshake handshake) {
        if (!handshake.channel.isOpen()) {
            handshakes.remove(handshake.channel, handshake);
            return;
        }
        try {
            selector().wakeup();
        } catch (IOException | RuntimeException e) {
            // No driver thread: the entry stays until finishConnect (only the selector hooks' fast path suffers).
            Log.get("socksify").debug("socksify-nio: cannot start to watch a failed handshake: {}", e.toString());
        }
        if (!handshake.channel.isOpen()) {
            handshakes.remove(handshake.channel, handshake);
        }
    }

    boolean isDriverKey(SelectionKey key) {
        return key.selector() == selector;
    }

    /** Starts the handshake of a channel whose TCP connect to the proxy has been started by the JDK. */
    void submit(ChannelHandshake handshake) throws IOException {
        Selector s = selector();
        submitted.add(handshake);
        s.wakeup();
    }

    private Selector selector() throws IOException {
        Selector s = selector;
        if (s == null) {
            synchronized (this) {
                s = selector;
                if (s == null) {
                    s = Selector.open();
                    Thread thread = new Thread(this, "socksify-nio");
                    thread.setDaemon(true);
                    submitted = new ConcurrentLinkedQueue<>();
                    in = ByteBuffer.allocateDirect(512);
                    selector = s;
                    thread.start();
                }
            }
        }
        return s;
    }

    @Override
    public void run() {
        Selector s = selector;
        while (true) {
            try {
                loop(s);
            } catch (Throwable t) {
                // Never let the driver die: every handshake it owns would hang until the application gives up.
                Log.get("socksify").error("socksify-nio: unexpected failure, failing the running handshakes: {}",
                        t.toString());
                for (ChannelHandshake h : handshakes.values()) {
                    fail(h, internal(h, t));
                }
            }
        }
    }

    private void loop(Selector s) throws IOException {
        ChannelHandshake next;
        while ((next = submitted.poll()) != null) {
            register(s, next);
        }
        long now = System.nanoTime();
        long sleep = TimeUnit.MILLISECONDS.toNanos(MAX_SELECT_MILLIS);
        for (Iterator<ChannelHandshake> it = handshakes.values().iterator(); it.hasNext(); ) {
            ChannelHandshake h = it.next();
            if (h.completed()) {
                if (!h.channel.isOpen()) {
                    it.remove(); // failed, and the application closed it without calling finishConnect
                }
                continue;
            }
            if (h.fd == null) {
                continue; // the JDK's connect is still running on the application's thread
            }
            if (!h.channel.isOpen()) {
                fail(h, new AsynchronousCloseException());
            } else if (now - h.deadlineNanos >= 0) {
                fail(h, timeout(h));
            } else {
                sleep = Math.min(sleep, h.deadlineNanos - now);
            }
        }
        s.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(sleep + 999_999)));
        for (Iterator<SelectionKey> it = s.selectedKeys().iterator(); it.hasNext(); ) {
            SelectionKey key = it.next();
            it.remove();
            step((ChannelHandshake) key.attachment(), key);
        }
    }

    private void register(Selector s, ChannelHandshake h) {
        try {
            h.fd = jdk.fd(h.channel);
            h.key = h.channel.register(s, 0, h);
            step(h, h.key);
        } catch (ClosedChannelException e) {
            fail(h, new AsynchronousCloseException());
        } catch (RuntimeException e) {
            // IllegalBlockingModeException: the application made the channel blocking before finishConnect.
            fail(h, internal(h, e));
        }
    }

    /** Advances one handshake as far as the socket allows without blocking. */
    private void step(ChannelHandshake h, SelectionKey key) {
        if (h.completed()) {
            key.cancel();
            return;
        }
        try {
            if (!h.tcpConnected) {
                if (!jdk.pollConnectNow(h.fd)) {
                    key.interestOps(SelectionKey.OP_CONNECT);
                    return;
                }
                h.tcpConnected = true;
            }
            SocksClientHandshake socks = h.socks();
            ByteBuffer out = h.out;
            while (true) {
                if (out.hasRemaining()) {
                    jdk.write(h.fd, out);
                    if (out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_WRITE);
                        return;
                    }
                }
                switch (socks.status()) {
                    case WRITE -> {
                        out.clear();
                        socks.writeTo(out);
                        out.flip();
                    }
                    case READ -> {
                        in.clear().limit(Math.min(in.capacity(), socks.bytesNeeded()));
                        int n = jdk.read(h.fd, in);
                        if (jdk.isEof(n)) {
                            socks.endOfStream();
                            throw new SocketException(h + ": the proxy closed the connection");
                        }
                        if (n <= 0) {
                            key.interestOps(SelectionKey.OP_READ);
                            return;
                        }
                        in.flip();
                        socks.readFrom(in);
                    }
                    case DONE -> {
                        if (!h.nextHop()) {
                            succeed(h);
                            return;
                        }
                        // The next hop's handshake runs over the same connection, now relayed by this hop.
                        socks = h.socks();
                    }
                    case FAILED -> throw new SocketException(h + ": the handshake failed");
                }
            }
        } catch (IOException e) {
            fail(h, h.tcpConnected ? Hops.hopFailed(h.router, h.chain, h.hop, e)
                    : Hops.unreachable(h.router, h.chain, e, h.destination));
        } catch (RuntimeException e) {
            fail(h, internal(h, e));
        }
    }

    private void succeed(ChannelHandshake h) {
        h.key.cancel();
        handshakes.remove(h.channel);
        Log.get("socksify").debug("channel {} -> via {} (non-blocking) in {} ms", Printable.address(h.destination),
                h.chain,
                Hops.millisSince(h.startedNanos()));
        Hops.succeeded(h.router, h.chain, h.hops);
        Metrics.CONNECTIONS_ROUTED.increment();
        wake(h.complete(null));
    }

    private void fail(ChannelHandshake h, IOException failure) {
        if (h.key != null) {
            h.key.cancel();
        }
        if (h.fd != null) {
            jdk.shutdown(h.fd);
        }
        List<SelectionKey> keys = h.complete(failure);
        if (!h.channel.isOpen()) {
            handshakes.remove(h.channel, h); // closed by the application: no finishConnect will come
        }
        if (keys != null) {
            Log.get("socksify").debug("channel {} -> failed via {} after {} ms: {}",
                    Printable.address(h.destination), h.chain,
                    Hops.millisSince(h.startedNanos()), failure.toString());
            Metrics.failed(failure);
            wake(keys);
        }
    }

    /** Makes each application selector translate the channel's interest again, now unmasked. */
    private void wake(List<SelectionKey> keys) {
        if (keys == null) {
            return;
        }
        for (SelectionKey key : keys) {
            if (key.isValid()) {
                jdk.reset(key);
            }
        }
    }

    private IOException timeout(ChannelHandshake h) {
        if (!h.tcpConnected) {
            return Hops.unreachable(h.router, h.chain, new SocketTimeoutException("connect timed out after "
                    + h.budgetMillis + " ms"), h.destination);
        }
        return Hops.hopFailed(h.router, h.chain, h.hop, h.socks().timeoutException(h.budgetMillis));
    }

    private static IOException internal(ChannelHandshake h, Throwable t) {
        SocketException e = new SocketException("socksify: internal error in the handshake " + h
                + " (nothing was sent directly): " + t);
        e.initCause(t);
        return e;
    }
}
