package io.socksify.protocol.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * One selector thread: it owns its channels, sessions, timers and a pool of relay buffers, so none of them needs a
 * lock. Other threads hand it work with {@link #execute}.
 *
 * <p>Whatever one task, timer or channel throws, an {@link Error} included, is logged and ends at most that session
 * (its handler's {@link Handler#fail}); the loop goes on. Should the loop itself die, {@link #isRunning()} turns
 * false and {@link #execute} refuses work, so nobody deals connections to a loop that no longer serves them.
 */
final class EventLoop implements Runnable {
    /** Readiness callback of a registered channel; the key's attachment. */
    interface Handler {
        void ready(SelectionKey key) throws IOException;

        /** Called when {@link #ready} threw; must release everything. */
        void fail(Throwable t);
    }

    /**
     * A one-shot timer; {@link #cancel()} is loop-confined like everything else. A cancelled timer lets go of its
     * task at once (the task holds its session), and its queue entry is dropped when it reaches the head or when
     * the loop purges the queue of cancelled entries.
     */
    final class Timer implements Comparable<Timer> {
        final long deadline;
        Runnable task;
        boolean cancelled;

        Timer(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        void cancel() {
            if (!cancelled) {
                cancelled = true;
                task = null;
                cancelledTimers++;
            }
        }

        @Override
        public int compareTo(Timer o) {
            return Long.compare(deadline, o.deadline);
        }
    }

    private static final System.Logger LOG = System.getLogger(SocksServer.class.getName());
    /** Buffers kept for reuse per loop: enough to absorb connection churn, small enough to bound idle memory. */
    private static final int MAX_POOLED_BUFFERS = 512;
    /** Cancelled timers the queue may hold before it is purged (once they are also half of it). */
    static final int PURGE_CANCELLED_TIMERS = 4096;

    final Selector selector;
    final Thread thread;
    final int bufferSize;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    /**
     * Cancelled timers still in {@link #timers}. Sessions cancel theirs long before they fire (a handshake timeout
     * of seconds for a handshake of microseconds): left to reach the head, they would pile up by the thousand.
     */
    private int cancelledTimers;
    private final ArrayDeque<ByteBuffer> bufferPool = new ArrayDeque<>();
    private final Set<Session> sessions = new HashSet<>();
    /**
     * Sessions dealt to this loop and not yet ended: counted up by the acceptor when it picks the loop (before the
     * session reaches it), down when the session ends, so that the acceptor can read it from its own thread.
     */
    private final AtomicInteger load = new AtomicInteger();
    /**
     * Channels whose keys were cancelled, closed once the next {@code select} has deregistered them: a channel
     * closed while registered costs the JDK a {@code getsockopt(SO_LINGER)} and a {@code shutdown} before its
     * deferred close; one no longer registered is just closed.
     */
    private final ArrayList<java.nio.channels.Channel> closeAfterSelect = new ArrayList<>();
    private final List<Runnable> shutdownHooks = new ArrayList<>();
    private final IntFunction<ByteBuffer> allocator;
    private volatile boolean closing;
    /** Set once the loop has stopped running tasks for good (closed, or died). */
    private volatile boolean stopped;

    EventLoop(String name, int bufferSize) throws IOException {
        this(name, bufferSize, ByteBuffer::allocateDirect, SocksServer.PlainThreads.INSTANCE);
    }

    /**
     * @param allocator makes the relay buffers: {@link ByteBuffer#allocateDirect}, or a test's failing one
     * @param threads   makes the loop's thread (see {@link SocksServer.Builder#threadFactory})
     */
    EventLoop(String name, int bufferSize, IntFunction<ByteBuffer> allocator, ThreadFactory threads)
            throws IOException {
        this.selector = Selector.open();
        this.bufferSize = bufferSize;
        this.allocator = allocator;
        this.thread = threads.newThread(this);
        this.thread.setName(name);
        this.thread.setDaemon(true);
    }

    /**
     * Queues {@code task} for the loop's thread.
     *
     * @return false if the loop has stopped: the task will never run, and the caller must clean up itself
     */
    boolean execute(Runnable task) {
        tasks.add(task);
        if (stopped && tasks.remove(task)) {
            // Not yet taken by stop()'s last drain, and no other drain comes.
            return false;
        }
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
        return true;
    }

    /** @return whether the loop runs (started and neither stopping nor dead) */
    boolean isRunning() {
        return !closing && !stopped;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    Timer schedule(long delayNanos, Runnable task) {
        if (cancelledTimers > PURGE_CANCELLED_TIMERS && cancelledTimers > timers.size() / 2) {
            // Linear, and only after as many cancels as the queue has left entries: amortized constant per timer.
            timers.removeIf(t -> t.cancelled);
            cancelledTimers = 0;
        }
        Timer t = new Timer(System.nanoTime() + delayNanos, task);
        timers.add(t);
        return t;
    }

    /**
     * @return a relay buffer of {@link #bufferSize} bytes from the pool, or a new direct one
     * @throws OutOfMemoryError if there is no direct memory left for it
     */
    ByteBuffer allocate() {
        ByteBuffer b = bufferPool.pollFirst();
        return b != null ? b.clear() : allocator.apply(bufferSize);
    }

    void release(ByteBuffer buffer) {
        if (buffer != null && buffer.isDirect() && buffer.capacity() == bufferSize
                && bufferPool.size() < MAX_POOLED_BUFFERS) {
            bufferPool.addFirst(buffer);
        }
    }

    void add(Session s) {
        sessions.add(s);
    }

    void remove(Session s) {
        sessions.remove(s);
        load.decrementAndGet();
    }

    /** Counts a session dealt to this loop (any thread); its {@link #remove} counts it off again. */
    void claim() {
        load.incrementAndGet();
    }

    /** @return the sessions dealt to this loop and not yet ended (any thread; a moment's snapshot) */
    int load() {
        return load.get();
    }

    /**
     * Closes {@code channel} (registered with this loop's selector under {@code key}, or null) once its key is
     * deregistered: at once if it has no key, else right after the next {@code select}, which then waits at most a
     * millisecond. Loop thread only.
     */
    void closeSoon(java.nio.channels.Channel channel, SelectionKey key) {
        assert inLoop() || stopped : "closeSoon off the loop thread";
        if (channel == null) {
            return;
        }
        if (key == null || stopped || !channel.isOpen()) {
            SocksServer.closeQuietly(channel);
            return;
        }
        key.cancel();
        closeAfterSelect.add(channel);
    }

    /** Closes the first {@code count} channels of {@link #closeAfterSelect} (their keys are deregistered). */
    private void closeDeregistered(int count) {
        if (count == 0) {
            return;
        }
        List<java.nio.channels.Channel> done = closeAfterSelect.subList(0, count);
        for (java.nio.channels.Channel c : done) {
            SocksServer.closeQuietly(c);
        }
        done.clear();
    }

    /** Runs {@code hook} on this loop's thread when the loop stops (before its selector closes). */
    void onShutdown(Runnable hook) {
        shutdownHooks.add(hook);
    }

    void shutdown() {
        closing = true;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!closing) {
                runTasks();
                long timeout = nextTimeoutMillis();
                if (closing) {
                    break;
                }
                // Keys cancelled before this select are deregistered by it: their channels can then be closed. It
                // waits at most a millisecond for them; under load it returns with other events well before.
                int deregistered = closeAfterSelect.size();
                if (deregistered > 0 && timeout != 0) {
                    timeout = 1;
                }
                if (timeout == 0) {
                    selector.selectNow(this::dispatch);
                } else {
                    selector.select(this::dispatch, timeout < 0 ? 0 : timeout);
                }
                closeDeregistered(deregistered);
                runTimers();
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "socksify server: event loop " + thread.getName() + " failed", t);
        } finally {
            stop();
        }
    }

    private void stop() {
        stopped = true;
        // Tasks queued before stopped was seen run now (a session they begin is closed below); later ones are
        // refused by execute().
        runTasks();
        for (Runnable hook : shutdownHooks) {
            try {
                hook.run();
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.WARNING, "socksify server: shutdown hook failed", e);
            }
        }
        for (Session s : new ArrayList<>(sessions)) {
            try {
                s.close("server closed");
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.WARNING, "socksify server: closing a session failed", e);
            }
        }
        sessions.clear();
        timers.clear();
        cancelledTimers = 0;
        bufferPool.clear();
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "socksify server: closing a selector failed", e);
        }
        // The selector's close deregistered every key.
        closeDeregistered(closeAfterSelect.size());
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (Throwable e) {
                // A task that ends a session catches its own failures; this is a last resort that keeps the loop.
                LOG.log(System.Logger.Level.ERROR, "socksify server: task failed", e);
            }
        }
    }

    /** @return the timers in the queue, cancelled ones not yet dropped included (loop thread; for tests) */
    int queuedTimers() {
        return timers.size();
    }

    /** @return 0 to poll, -1 for no timer, else milliseconds to the next timer (at least 1) */
    private long nextTimeoutMillis() {
        if (!tasks.isEmpty()) {
            return 0;
        }
        Timer next;
        while ((next = timers.peek()) != null && next.cancelled) {
            timers.poll();
            cancelledTimers--;
        }
        if (next == null) {
            return -1;
        }
        long nanos = next.deadline - System.nanoTime();
        return nanos <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
    }

    private void runTimers() {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && (t.cancelled || t.deadline - now <= 0)) {
            timers.poll();
            if (t.cancelled) {
                cancelledTimers--;
            } else {
                // Fired: no longer queued, so not counted as a cancelled entry; a later cancel() does nothing.
                t.cancelled = true;
                Runnable task = t.task;
                t.task = null;
                try {
                    task.run();
                } catch (Throwable e) {
                    LOG.log(System.Logger.Level.ERROR, "socksify server: timer failed", e);
                }
            }
        }
    }

    private void dispatch(SelectionKey key) {
        Handler h = (Handler) key.attachment();
        if (!key.isValid()) {
            return;
        }
        try {
            h.ready(key);
        } catch (Throwable t) {
            try {
                h.fail(t);
            } catch (Throwable failed) {
                // The handler could not clean up after itself: at least release its channel, and keep the loop.
                failed.addSuppressed(t);
                LOG.log(System.Logger.Level.ERROR, "socksify server: handler of " + key.channel()
                        + " failed and could not clean up", failed);
                key.cancel();
                SocksServer.closeQuietly(key.channel());
            }
        }
    }
}
