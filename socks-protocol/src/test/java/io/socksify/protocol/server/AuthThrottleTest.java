package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link AuthThrottle} on a clock the test moves: the policy, without waiting for it. */
@Timeout(10)
class AuthThrottleTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final InetAddress A = Peers.address("192.0.2.1");
    private static final InetAddress B = Peers.address("192.0.2.2");

    private final AuthThrottle throttle = new AuthThrottle();
    private long now = 1_000_000 * MS;

    /** One attempt, answered 1 ms after it is checked, that fails: @return the wait it had */
    private long failOnce(InetAddress from) {
        AuthThrottle.Admission a = throttle.admit(from, now);
        assertFalse(a.refused());
        now += a.waitNanos() + MS;
        throttle.failed(from, now);
        return a.waitNanos();
    }

    @Test
    void aThousandWrongPasswordsTakeMoreThanAnHourInsteadOfAThirdOfASecond() {
        long total = 0;
        for (int i = 0; i < 1000; i++) {
            long wait = failOnce(A);
            if (i < AuthThrottle.FREE_FAILURES) {
                assertEquals(0, wait, "attempt " + (i + 1) + " is free");
            }
            assertTrue(wait <= AuthThrottle.MAX_DELAY_NANOS, "capped");
            total += wait;
        }
        // 100, 200, 400, ..., 3200 ms, then 5 s each.
        assertEquals(100 * MS, AuthThrottle.delayAfter(3));
        assertEquals(200 * MS, AuthThrottle.delayAfter(4));
        assertEquals(3200 * MS, AuthThrottle.delayAfter(8));
        assertEquals(5000 * MS, AuthThrottle.delayAfter(9));
        assertTrue(total > TimeUnit.HOURS.toNanos(1), "total wait " + total / MS + " ms");
    }

    @Test
    void anotherAddressIsNotSlowedAndQuietTimeForgives() {
        for (int i = 0; i < 10; i++) {
            failOnce(A);
        }
        assertEquals(0, throttle.admit(B, now).waitNanos(), "another address waits for nothing");
        assertTrue(throttle.admit(A, now).waitNanos() > 0);
        now += AuthThrottle.QUIET_NANOS + 10_000 * MS;
        assertEquals(0, throttle.admit(A, now).waitNanos(), "forgotten after quiet time");
        assertEquals(0, failOnce(A), "and starts afresh");
    }

    @Test
    void parallelAttemptsQueueAndThoseBeyondTheCapAreRefusedUnchecked() {
        for (int i = 0; i < AuthThrottle.FREE_FAILURES; i++) {
            failOnce(A);
        }
        // Three failures: attempts coming together are spaced 100 ms apart, as if they came one after the other.
        AuthThrottle.Admission first = throttle.admit(A, now);
        AuthThrottle.Admission second = throttle.admit(A, now);
        assertEquals(100 * MS, first.waitNanos());
        assertEquals(200 * MS, second.waitNanos(), "queued behind the first");
        for (int i = 0; i < 5; i++) {
            failOnce(A);
        }
        // Eight failures: each attempt costs 3.2 s; a second one at the same time would wait 6.4 s, over the cap.
        AuthThrottle.Admission waits = throttle.admit(A, now);
        AuthThrottle.Admission beyond = throttle.admit(A, now);
        assertFalse(waits.refused());
        assertEquals(3200 * MS, waits.waitNanos());
        assertTrue(beyond.refused(), "beyond the cap: refused at once");
    }

    @Test
    void theTableOfAddressesIsBounded() throws Exception {
        AuthThrottle small = new AuthThrottle(100);
        for (int i = 0; i < 10_000; i++) {
            small.failed(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), now);
        }
        assertEquals(100, small.size());
        assertEquals(AuthThrottle.MAX_ADDRESSES, new AuthThrottle().maxAddressesForTest());
    }
}
