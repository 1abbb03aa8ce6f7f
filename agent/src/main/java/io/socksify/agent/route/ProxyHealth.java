package io.socksify.agent.route;

import io.socksify.agent.config.Hop;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One proxy's health and counters: connections routed through it, failures by reason, and whether it is marked down
 * (after failing to connect: refused, unreachable, timed out) until {@code proxyDownSeconds} have passed. Shared by
 * every route naming the same proxy, and carried over to the next routing state by a re-attach naming it again.
 */
public final class ProxyHealth {
    private final String name;
    // AtomicLong, not LongAdder: LongAdder's class makes VarHandles as it initializes (a dozen classes at start-up).
    private final AtomicLong routed = new AtomicLong();
    private final AtomicLong markedDown = new AtomicLong();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    /** {@link System#nanoTime()} until which the proxy is down; meaningful only while {@link #down} is set. */
    private volatile long downUntil;
    private volatile boolean down;

    ProxyHealth(Hop hop) {
        this.name = hop.text();
    }

    public String name() {
        return name;
    }

    /** @return whether the proxy is marked down at {@code now} ({@link System#nanoTime()}) */
    public boolean isDown(long now) {
        return down && downUntil - now > 0;
    }

    long downUntil() {
        return downUntil;
    }

    void markDown(int seconds) {
        if (seconds <= 0) {
            return;
        }
        downUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        down = true;
        markedDown.incrementAndGet();
    }

    void routed() {
        routed.incrementAndGet();
        down = false;
    }

    void failed(String reason) {
        failures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public long routedCount() {
        return routed.get();
    }

    public long markedDownCount() {
        return markedDown.get();
    }

    public Map<String, Long> failures() {
        Map<String, Long> snapshot = new TreeMap<>();
        failures.forEach((reason, count) -> snapshot.put(reason, count.sum()));
        return snapshot;
    }

    /** @return e.g. {@code socks5://a:1080 routed=3 failures={refused=1} down for 42 s} */
    public String describe() {
        long now = System.nanoTime();
        return name + " routed=" + routedCount() + " failures=" + failures() + " markedDown=" + markedDownCount()
                + (isDown(now) ? " DOWN for " + TimeUnit.NANOSECONDS.toSeconds(downUntil - now) + " s" : " up");
    }
}
