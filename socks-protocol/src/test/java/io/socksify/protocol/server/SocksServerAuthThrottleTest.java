package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, item 4, against a real server: after three failures from 127.0.0.1, its further attempts wait (the record
 * and the log line say how long), 127.0.0.2 is not slowed, and the right password still works after the wait. The
 * policy itself (1,000 attempts, the cap, parallel attempts, the bounded table) is {@link AuthThrottleTest}'s.
 */
@Timeout(60)
class SocksServerAuthThrottleTest {
    private SocksServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void failuresFromOneAddressDelayItsFurtherAttemptsOnly() throws Exception {
        server = SocksServer.builder().port(0).user("alice", "right").start();
        int wrong = 6;
        long[] replyNanos = new long[wrong];
        for (int i = 0; i < wrong; i++) {
            long t0 = System.nanoTime();
            assertEquals(1, authenticate(Peers.LOCALHOST, "alice", "wrong" + i), "attempt " + (i + 1) + " fails");
            replyNanos[i] = System.nanoTime() - t0;
        }
        assertEquals(1, authenticate(Peers.OTHER_LOOPBACK, "alice", "wrong"), "another address fails too");
        long t0 = System.nanoTime();
        assertEquals(0, authenticate(Peers.LOCALHOST, "alice", "right"), "the right password works after the wait");
        long rightNanos = System.nanoTime() - t0;

        // In the order the attempts were made: a record is written when its session ends, after the client saw it.
        List<SessionRecord> records = new java.util.ArrayList<>(server.awaitRecords(wrong + 2, Duration.ofSeconds(10)));
        records.sort(java.util.Comparator.comparing(SessionRecord::start));
        for (int i = 0; i < AuthThrottle.FREE_FAILURES; i++) {
            assertEquals(0, records.get(i).authDelayMillis(), records.get(i).toString());
        }
        // The 4th attempt waits 100 ms, the 5th 200, the 6th 400 (from the previous failure, so a little less).
        for (int i = AuthThrottle.FREE_FAILURES; i < wrong; i++) {
            long expected = TimeUnit.NANOSECONDS.toMillis(AuthThrottle.delayAfter(i));
            SessionRecord r = records.get(i);
            assertTrue(r.authDelayMillis() >= expected * 8 / 10, "attempt " + (i + 1) + ": " + r);
            assertTrue(r.toString().contains(" auth-delay-ms=" + r.authDelayMillis()), r.toString());
            assertTrue(replyNanos[i] >= TimeUnit.MILLISECONDS.toNanos(expected * 8 / 10),
                    "attempt " + (i + 1) + "'s reply came after " + replyNanos[i] / 1_000_000 + " ms");
        }
        SessionRecord other = records.get(wrong);
        assertEquals(InetAddress.getByName("127.0.0.2"), other.client().getAddress());
        assertEquals(0, other.authDelayMillis(), "127.0.0.2 is not slowed: " + other);
        SessionRecord right = records.get(wrong + 1);
        assertEquals("alice", right.user());
        assertTrue(right.authDelayMillis() >= 640, "the 7th attempt from 127.0.0.1 waited too: " + right);
        assertTrue(rightNanos >= TimeUnit.MILLISECONDS.toNanos(640), rightNanos / 1_000_000 + " ms");
    }

    /** @return the RFC 1929 {@code STATUS}: 0 for success */
    private int authenticate(InetAddress from, String user, String password) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(server.address(), 5000);
            s.setSoTimeout(10_000);
            byte[] u = user.getBytes(StandardCharsets.UTF_8);
            byte[] p = password.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(Peers.concat(new byte[] {5, 1, 2, 1, (byte) u.length}, u,
                    new byte[] {(byte) p.length}, p));
            InputStream in = s.getInputStream();
            assertEquals(5, in.read());
            assertEquals(2, in.read());
            assertEquals(1, in.read());
            return in.read();
        }
    }
}
