package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
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
