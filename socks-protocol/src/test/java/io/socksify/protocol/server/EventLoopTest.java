package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Whatever a task, a timer or a handler throws, the loop goes on serving everything else. */
@Timeout(30)
class EventLoopTest {
    private EventLoop loop;

    @BeforeEach
    void start() throws IOException {
        loop = new EventLoop("event-loop-test", 1024);
        loop.thread.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        loop.shutdown();
        loop.thread.join(5000);
    }

    /**
     * Asserts the loop still runs tasks, a moment after {@code failed} (so a dying loop is dead by then, and its
     * last drain of the task queue is over).
     */
    private void assertServesAfter(CountDownLatch failed) throws InterruptedException {
        assertTrue(failed.await(5, TimeUnit.SECONDS));
        Thread.sleep(200);
        CountDownLatch ran = new CountDownLatch(1);
        assertTrue(loop.execute(ran::countDown));
        assertTrue(ran.await(5, TimeUnit.SECONDS), "the loop no longer runs tasks");
        assertTrue(loop.isRunning());
    }

    @Test
    void survivesAnErrorInATask() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        loop.execute(() -> {
            failed.countDown();
            throw new OutOfMemoryError("Cannot reserve 32768 bytes of direct buffer memory (test)");
        });
        assertServesAfter(failed);
    }

    @Test
    void survivesAnErrorInATimer() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        loop.execute(() -> loop.schedule(0, () -> {
            failed.countDown();
            throw new OutOfMemoryError("test");
        }));
        assertServesAfter(failed);
    }

    @Test
    void cancelledTimersLetGoOfTheirTasksAndDoNotPileUpInTheQueue() throws Exception {
        CompletableFuture<int[]> sizes = new CompletableFuture<>();
        CountDownLatch fired = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                // As sessions do: a timeout of an hour each, cancelled a moment later; one timer of no delay fires.
                List<EventLoop.Timer> cancelled = new ArrayList<>();
                loop.schedule(0, fired::countDown);
                for (int i = 0; i < 100_000; i++) {
                    EventLoop.Timer t = loop.schedule(TimeUnit.HOURS.toNanos(1), () -> {
                        throw new AssertionError("a cancelled timer ran");
                    });
                    t.cancel();
                    cancelled.add(t);
                }
                int queued = loop.queuedTimers();
                int released = 0;
                for (EventLoop.Timer t : cancelled) {
                    released += t.task == null ? 1 : 0;
                }
                sizes.complete(new int[] {queued, released});
            } catch (Throwable e) {
                sizes.completeExceptionally(e);
            }
        });
        int[] s = sizes.get(10, TimeUnit.SECONDS);
        int bound = 2 * EventLoop.PURGE_CANCELLED_TIMERS + 2;
        assertTrue(s[0] <= bound, "queued timers after 100,000 cancelled: " + s[0]);
        assertEquals(100_000, s[1], "cancelled timers that let go of their task");
        assertTrue(fired.await(5, TimeUnit.SECONDS), "the timer that was not cancelled did not fire");
        // The queue keeps working after purges: a new timer still fires, in order.
        CountDownLatch later = new CountDownLatch(1);
        loop.execute(() -> loop.schedule(TimeUnit.MILLISECONDS.toNanos(20), later::countDown));
        assertTrue(later.await(5, TimeUnit.SECONDS));
        CompletableFuture<Integer> left = new CompletableFuture<>();
        loop.execute(() -> left.complete(loop.queuedTimers()));
        assertTrue(left.get(5, TimeUnit.SECONDS) <= bound);
    }

    @Test
    void survivesAHandlerWhoseFailThrowsAndClosesItsChannel() throws Exception {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            source.configureBlocking(false);
            CountDownLatch failCalled = new CountDownLatch(1);
            EventLoop.Handler broken = new EventLoop.Handler() {
                @Override
                public void ready(SelectionKey key) {
                    throw new IllegalStateException("ready failed (test)");
                }

                @Override
                public void fail(Throwable t) {
                    failCalled.countDown();
                    throw new IllegalStateException("fail failed too (test)");
                }
            };
            CountDownLatch registered = new CountDownLatch(1);
            loop.execute(() -> {
                try {
                    source.register(loop.selector, SelectionKey.OP_READ, broken);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                registered.countDown();
            });
            assertTrue(registered.await(5, TimeUnit.SECONDS));
            sink.write(ByteBuffer.wrap(new byte[] {1}));
            assertServesAfter(failCalled);
            assertFalse(source.isOpen(), "the channel of a handler that cannot clean up is closed for it");
        }
    }

    @Test
    void refusesWorkOnceStopped() throws Exception {
        loop.shutdown();
        loop.thread.join(5000);
        assertFalse(loop.isRunning());
        assertFalse(loop.execute(() -> {
        }), "a task for a stopped loop would never run");
    }
}
