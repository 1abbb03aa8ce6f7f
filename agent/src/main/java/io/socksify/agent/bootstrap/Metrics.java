package io.socksify.agent.bootstrap;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * socksify's counters, read by the {@code io.socksify:type=Agent} MBean and {@code socksify status <pid>}. Every
 * transport increments them where it decides a connection's fate. Boot-loaded with JDK types only, so that any agent
 * class can reach them; {@link LongAdder}s, so that counting costs no contention on hot paths.
 */
public final class Metrics {
    /** Connections (TCP sockets and channels) established through the proxy. */
    public static final LongAdder CONNECTIONS_ROUTED = new LongAdder();
    /** Connections that went direct: a bypass rule, the proxy itself, or routing switched off. */
    public static final LongAdder CONNECTIONS_BYPASSED = new LongAdder();
    /**
     * Direct connections (or datagrams) socksify refused because it could not route them, before anything was sent:
     * for now Netty's native transports; any last-line guard counts here.
     */
    public static final LongAdder LEAKS_BLOCKED = new LongAdder();
    /** UDP associations opened with the proxy (SOCKS5 {@code UDP ASSOCIATE}). */
    public static final LongAdder UDP_ASSOCIATIONS = new LongAdder();
    /** Datagrams sent through a UDP relay. */
    public static final LongAdder UDP_DATAGRAMS_SENT = new LongAdder();
    /** Datagrams received from a UDP relay and delivered to the application. */
    public static final LongAdder UDP_DATAGRAMS_RECEIVED = new LongAdder();
    /**
     * Datagrams that arrived at a socket with a UDP association and were not delivered: from a sender other than
     * the relay (and not bypassed), fragments, malformed headers, and with GSS-API protection tokens that do not
     * verify.
     */
    public static final LongAdder UDP_DATAGRAMS_DROPPED = new LongAdder();
    /**
     * Proxy handshakes that succeeded, by the method the proxy selected: each hop of a TCP connection (a chain of
     * two counts two) and each UDP association. SOCKS4 counts as none.
     */
    public static final LongAdder AUTH_NONE = new LongAdder();
    /** See {@link #AUTH_NONE}: RFC 1929 username/password. */
    public static final LongAdder AUTH_PASSWORD = new LongAdder();
    /** See {@link #AUTH_NONE}: RFC 1961 GSS-API (Kerberos), at any protection level. */
    public static final LongAdder AUTH_GSSAPI = new LongAdder();

    private static final Map<String, LongAdder> FAILURES = new ConcurrentHashMap<>();

    private Metrics() {
    }

    /** Counts a connection (or UDP association) that failed, by a short reason such as the exception's type. */
    public static void failed(String reason) {
        FAILURES.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Counts a failure by the simple name of the exception the application got. */
    public static void failed(Throwable failure) {
        failed(failure.getClass().getSimpleName());
    }

    /** @return the failures so far by reason, sorted by reason */
    public static Map<String, Long> failures() {
        Map<String, Long> snapshot = new TreeMap<>();
        FAILURES.forEach((reason, count) -> snapshot.put(reason, count.sum()));
        return snapshot;
    }

    /** @return {@link #AUTH_NONE} and its siblings by the names {@code status} shows, in that order */
    public static Map<String, Long> byAuthMethod() {
        Map<String, Long> snapshot = new java.util.LinkedHashMap<>();
        snapshot.put("none", AUTH_NONE.sum());
        snapshot.put("username/password", AUTH_PASSWORD.sum());
        snapshot.put("gssapi", AUTH_GSSAPI.sum());
        return snapshot;
    }

    /** @return all failures so far */
    public static long failuresTotal() {
        long total = 0;
        for (LongAdder count : FAILURES.values()) {
            total += count.sum();
        }
        return total;
    }
}
