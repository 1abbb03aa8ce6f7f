package io.socksify.protocol.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's name lookups, off the selector threads on a small bounded pool shared by CONNECT, BIND and UDP.
 *
 * <p>Concurrent lookups of one name share one lookup. UDP, where every datagram may name a new host, gets at most
 * {@link #UDP_SHARE} lookups at once and a name that failed is not looked up again for {@link #NEGATIVE_TTL_NANOS}:
 * a flood of datagrams for unknown names can neither fill the pool nor delay the lookups CONNECT waits for.
 */
final class Lookups {
    /** The lookup itself: {@link InetAddress#getAllByName} but for tests. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String name) throws UnknownHostException;
    }

    static final int THREADS = 8;
    static final int QUEUE = 1024;
    /** Lookups UDP may have started and not finished, of the {@link #THREADS} threads. */
    static final int UDP_SHARE = THREADS / 2;
    static final long NEGATIVE_TTL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int MAX_NEGATIVE = 4096;

    private final Resolver resolver;
    private final ThreadPoolExecutor pool;
    private final Set<Thread> workers = ConcurrentHashMap.newKeySet();
    private final Map<String, CompletableFuture<InetAddress[]>> inFlight = new ConcurrentHashMap<>();
    /** Names whose lookup failed, with when to try again ({@link System#nanoTime}). */
    private final Map<String, Long> failed = new ConcurrentHashMap<>();
    private final AtomicInteger udpInFlight = new AtomicInteger();

    Lookups(String threadPrefix, Resolver resolver, ThreadFactory threadFactory) {
        this.resolver = resolver;
        AtomicInteger threads = new AtomicInteger();
        pool = new ThreadPoolExecutor(THREADS, THREADS, 5, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = threadFactory.newThread(r);
            t.setName(threadPrefix + threads.incrementAndGet());
            t.setDaemon(true);
            // Idle threads time out and end: only the live ones are kept, for awaitTermination to join.
            workers.removeIf(w -> !w.isAlive());
            workers.add(t);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Looks {@code name} up, or joins the lookup of it already running. The future completes on a lookup thread
     * with the addresses, or exceptionally (typically with an {@link UnknownHostException}).
     *
     * @throws RejectedExecutionException if the pool is full or closed
     */
    CompletableFuture<InetAddress[]> lookup(String name) {
        return start(name, false);
    }

    /**
     * Like {@link #lookup}, for a datagram: null if UDP has its share of lookups running or the name failed a
     * moment ago (the caller drops the datagram).
     */
    CompletableFuture<InetAddress[]> lookupForUdp(String name) {
        Long retry = failed.get(name);
        if (retry != null) {
            if (System.nanoTime() - retry < 0) {
                return null;
            }
            failed.remove(name, retry);
        }
        CompletableFuture<InetAddress[]> running = inFlight.get(name);
        if (running != null) {
            return running;
        }
        if (udpInFlight.incrementAndGet() > UDP_SHARE) {
            udpInFlight.decrementAndGet();
            return null;
        }
        try {
            return start(name, true);
        } catch (RejectedExecutionException e) {
            udpInFlight.decrementAndGet();
            return null;
        }
    }

    private CompletableFuture<InetAddress[]> start(String name, boolean udp) {
        CompletableFuture<InetAddress[]> mine = new CompletableFuture<>();
        CompletableFuture<InetAddress[]> running = inFlight.putIfAbsent(name, mine);
        if (running != null) {
            if (udp) {
                udpInFlight.decrementAndGet();
            }
            return running;
        }
        try {
            pool.execute(() -> {
                try {
                    InetAddress[] addresses = resolver.resolve(name);
                    inFlight.remove(name, mine);
                    mine.complete(addresses);
                } catch (Throwable e) {
                    // Anything, an Error included, must complete the future: later lookups of the name join it.
                    long now = System.nanoTime();
                    if (failed.size() >= MAX_NEGATIVE) {
                        failed.values().removeIf(retry -> now - retry >= 0);
                    }
                    if (failed.size() < MAX_NEGATIVE) {
                        failed.put(name, now + NEGATIVE_TTL_NANOS);
                    }
                    inFlight.remove(name, mine);
                    mine.completeExceptionally(e);
                } finally {
                    if (udp) {
                        udpInFlight.decrementAndGet();
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            inFlight.remove(name, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        return mine;
    }

    void shutdownNow() {
        pool.shutdownNow();
    }

    /**
     * Waits for the pool to terminate and then for its threads to end: a terminated pool's last worker may still be
     * alive for a moment, and {@code close()} promises no thread left behind.
     */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!pool.awaitTermination(timeout, unit)) {
            return false;
        }
        for (Thread t : workers) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return !t.isAlive();
            }
            t.join(left);
        }
        return true;
    }
}
