package io.socksify.protocol.server;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing from one client address: after {@link #FREE_FAILURES} failed RFC 1929
 * authentications from an address, each further attempt from it waits before it is checked, 100 ms after the third
 * failure, doubling with every failure up to 5 s. Attempts from one address are spaced that far apart even when they
 * come in parallel (each takes the next free slot), and one that would have to wait longer than the cap is refused
 * at once without its password being checked, so a flood holds no session open and learns nothing. An address is
 * forgotten after {@link #QUIET_NANOS} without a failure; a success does not reset it (a user with one valid
 * account must not be able to guess another's at full speed).
 *
 * <p>The wait is a timer on the session's loop, never a sleep: other clients are not slowed. The table is bounded
 * ({@link #MAX_ADDRESSES}, least recently seen dropped first), so many addresses cannot exhaust memory; an attacker
 * with that many addresses is throttled less, which {@code --max-connections-per-client} and client rules
 * ({@code --allow}) bound further. Shared by the server's loops, so its methods synchronize (briefly, no I/O).
 */
final class AuthThrottle {
    /** Failures from one address that cost nothing: a user may mistype a password. */
    static final int FREE_FAILURES = 3;
    static final long FIRST_DELAY_NANOS = 100_000_000L;
    static final long MAX_DELAY_NANOS = 5_000_000_000L;
    /** Time without a failure after which an address starts afresh. */
    static final long QUIET_NANOS = 60_000_000_000L;
    static final int MAX_ADDRESSES = 4096;

    /** What an attempt has to do. */
    record Admission(long waitNanos, boolean refused) {
        static final Admission NOW = new Admission(0, false);
    }

    private static final class Entry {
        int failures;
        long lastFailure;
        /** The earliest time the next attempt may be checked. */
        long nextSlot;
    }

    private final int maxAddresses;
    private final Map<InetAddress, Entry> entries;

    AuthThrottle() {
        this(MAX_ADDRESSES);
    }

    AuthThrottle(int maxAddresses) {
        this.maxAddresses = maxAddresses;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Entry> eldest) {
                return size() > AuthThrottle.this.maxAddresses;
            }
        };
    }

    /** An authentication from {@code client} is about to be checked: how long it waits first, or if it is refused. */
    synchronized Admission admit(InetAddress client, long now) {
        Entry e = entries.get(client);
        if (e == null) {
            return Admission.NOW;
        }
        if (now - e.lastFailure > QUIET_NANOS) {
            entries.remove(client);
            return Admission.NOW;
        }
        if (e.failures < FREE_FAILURES) {
            return Admission.NOW;
        }
        long penalty = delayAfter(e.failures);
        long start = Math.max(now, Math.max(e.lastFailure + penalty, e.nextSlot));
        if (start - now > MAX_DELAY_NANOS) {
            return new Admission(0, true);
        }
        e.nextSlot = start + penalty;
        return new Admission(start - now, false);
    }

    /** An authentication from {@code client} failed. */
    synchronized void failed(InetAddress client, long now) {
        Entry e = entries.computeIfAbsent(client, a -> new Entry());
        if (now - e.lastFailure > QUIET_NANOS && e.failures > 0) {
            e.failures = 0;
            e.nextSlot = 0;
        }
        e.failures = Math.min(e.failures + 1, 1_000_000);
        e.lastFailure = now;
    }

    /** @return the wait before the attempt that follows {@code failures} failures */
    static long delayAfter(int failures) {
        if (failures < FREE_FAILURES) {
            return 0;
        }
        int doublings = failures - FREE_FAILURES;
        return doublings >= 6 ? MAX_DELAY_NANOS : Math.min(MAX_DELAY_NANOS, FIRST_DELAY_NANOS << doublings);
    }

    int maxAddressesForTest() {
        return maxAddresses;
    }

    synchronized int size() {
        return entries.size();
    }
}
