package io.socksify.agent.route;

import io.socksify.agent.config.Chain;
import io.socksify.agent.config.Hop;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.protocol.client.SocksClientHandshake;
import io.socksify.protocol.client.SocksConnectException;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;

/**
 * What every TCP path shares about chains: what each hop is asked to connect to, and what a failure means (which
 * proxy is to blame, whether it is marked down, and the message naming the hop). The paths differ only in how they
 * move bytes: {@link ProxyConnect} blocks, the non-blocking driver and the asynchronous connects step the same
 * {@code SocksClientHandshake}s.
 */
public final class Hops {
    private Hops() {
    }

    /**
     * @param destination the destination the last hop is asked for (the route's target)
     * @return for each hop, the address it is asked to connect to: the next hop's, as a name where the asking hop's
     *         scheme sends names ({@code socks5h}, {@code socks4a}) and resolved here otherwise; the last hop gets
     *         {@code destination}
     * @throws UnknownHostException naming the hop whose host name does not resolve here
     */
    public static InetSocketAddress[] targets(Chain chain, InetSocketAddress destination) throws UnknownHostException {
        int n = chain.size();
        InetSocketAddress[] targets = new InetSocketAddress[n];
        for (int i = 0; i < n - 1; i++) {
            Hop asking = chain.hops().get(i);
            Hop next = chain.hops().get(i + 1);
            InetSocketAddress a = next.proxy().address();
            if (a.isUnresolved() && !asking.remoteNames()) {
                try {
                    a = new InetSocketAddress(InetAddress.getByName(a.getHostString()), a.getPort());
                } catch (UnknownHostException e) {
                    UnknownHostException failure = new UnknownHostException("socksify: via " + chain + ": the host"
                            + " name of " + next + " does not resolve here (" + asking + " is asked for an address;"
                            + " socks5h:// or socks4a:// would send the name)");
                    failure.initCause(e);
                    throw failure;
                }
            }
            targets[i] = a;
        }
        targets[n - 1] = destination;
        return targets;
    }

    /**
     * The TCP connect to the chain's first hop failed: that proxy is marked down (refused, unreachable, timed out).
     *
     * @return the exception for the application: as a direct connect would fail, naming proxy (and chain)
     */
    public static IOException unreachable(Router router, Chain chain, IOException e, InetSocketAddress destination) {
        Hop first = chain.first();
        ProxyHealth h = router.health(first);
        if (h != null && !(e instanceof ClosedChannelException)) {
            h.failed(reason(e));
            h.markDown(router.config().proxyDownSeconds());
        }
        IOException failure = SocketRouting.proxyUnreachable(e, first.proxy(), destination);
        if (chain.size() == 1) {
            return failure;
        }
        return renamed(failure, "socksify: via " + chain + ": " + first + " " + reasonWords(e) + " ("
                + e.getMessage() + ")");
    }

    /**
     * The handshake with hop {@code i} failed. When that hop answers that it could not reach the next hop (refused,
     * unreachable, TTL expired), or times out waiting for it, the next hop is to blame and marked down; when the hop
     * itself never answered its greeting in time, it is marked down; an authentication or ruleset refusal is the
     * proxy's answer, and a last hop waiting for a slow destination is the destination's: they mark nothing.
     *
     * @return the exception for the application, of the same type, naming the hop for chains
     */
    public static IOException hopFailed(Router router, Chain chain, int i, IOException e) {
        int last = chain.size() - 1;
        Hop hop = chain.hops().get(i);
        int blamed = i;
        boolean down = false;
        if (i < last && reachFailure(e)) {
            blamed = i + 1;
            down = true;
        } else if (e instanceof SocketTimeoutException) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("waiting for the SOCKS5 method selection")
                    || m.contains("waiting for the proxy to accept")) {
                // The hop never answered its greeting: it is the dead one.
                down = true;
            } else if (i < last) {
                // The hop answered, and waits for its connection to the next hop: that one is slow or dead.
                blamed = i + 1;
                down = true;
            }
            // Else the last hop waits for the destination: a slow destination is no proxy's failure.
        }
        Hop culprit = chain.hops().get(blamed);
        ProxyHealth h = router.health(culprit);
        if (h != null) {
            h.failed(reason(e));
            if (down) {
                h.markDown(router.config().proxyDownSeconds());
            }
        }
        if (chain.size() == 1) {
            return e;
        }
        String message = e.getMessage();
        if (message != null && message.startsWith("socksify: ")) {
            message = message.substring("socksify: ".length());
        }
        String what = blamed != i ? culprit + " " + reasonWords(e) + " (" + message + ")"
                : "at hop " + (i + 1) + " " + hop + ": " + message;
        return renamed(e, "socksify: via " + chain + ": " + what);
    }

    /** @return the milliseconds since {@code startNanos} (a {@link System#nanoTime()}), for the DEBUG line */
    public static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Counts a connection established through every hop of {@code chain}; a proxy that carried one is up. */
    public static void succeeded(Router router, Chain chain) {
        for (Hop hop : chain.hops()) {
            ProxyHealth h = router.health(hop);
            if (h != null) {
                h.routed();
            }
        }
    }

    /**
     * {@link #succeeded(Router, Chain)} for a TCP connection whose hops' handshakes are {@code handshakes} (all
     * {@code DONE}): each also counts by the method its proxy selected ({@link #authenticated}).
     */
    public static void succeeded(Router router, Chain chain, SocksClientHandshake[] handshakes) {
        succeeded(router, chain);
        for (SocksClientHandshake handshake : handshakes) {
            authenticated(handshake.selectedMethod());
        }
    }

    /**
     * Counts one proxy handshake that succeeded (a TCP connection's hop, or a UDP association) by the method the
     * proxy selected: the one place every path counts it. SOCKS4 ({@code null}: no method) counts as none.
     */
    public static void authenticated(Socks5AuthMethod method) {
        if (Socks5AuthMethod.GSSAPI.equals(method)) {
            Metrics.AUTH_GSSAPI.increment();
        } else if (Socks5AuthMethod.PASSWORD.equals(method)) {
            Metrics.AUTH_PASSWORD.increment();
        } else {
            Metrics.AUTH_NONE.increment();
        }
    }

    /** Whether the hop's answer says it could not reach the address it was asked for. */
    private static boolean reachFailure(IOException e) {
        if (e instanceof SocksConnectException s) {
            return s.reason() == SocksConnectException.Reason.CONNECTION_REFUSED
                    || s.reason() == SocksConnectException.Reason.TTL_EXPIRED;
        }
        return e instanceof NoRouteToHostException;
    }

    private static String reason(IOException e) {
        if (e instanceof SocksConnectException s) {
            return s.reason().name().toLowerCase(java.util.Locale.ROOT);
        }
        if (e instanceof SocketTimeoutException) {
            return "timed out";
        }
        if (e instanceof NoRouteToHostException) {
            return "unreachable";
        }
        if (e instanceof ConnectException) {
            return "refused";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host";
        }
        return e.getClass().getSimpleName();
    }

    private static String reasonWords(IOException e) {
        return switch (reason(e)) {
            case "connection_refused", "refused" -> "refused the connection";
            case "ttl_expired" -> "could not be reached (TTL expired)";
            case "timed out" -> "timed out";
            case "unreachable" -> "is unreachable";
            default -> "failed";
        };
    }

    /** @return an exception of {@code e}'s type (as far as the application can tell) with {@code message} */
    static IOException renamed(IOException e, String message) {
        IOException r;
        if (e instanceof SocksConnectException s) {
            r = new SocksConnectException(message, s.version(), s.replyCode(), s.reason());
        } else if (e instanceof RouteBlockedException) {
            r = new RouteBlockedException(message);
        } else if (e instanceof SocketTimeoutException) {
            r = new SocketTimeoutException(message);
        } else if (e instanceof NoRouteToHostException) {
            r = new NoRouteToHostException(message);
        } else if (e instanceof ConnectException) {
            r = new ConnectException(message);
        } else if (e instanceof UnknownHostException) {
            r = new UnknownHostException(message);
        } else if (e instanceof SocksProtocolException) {
            r = new SocksProtocolException(message);
        } else if (e instanceof SocketException) {
            r = new SocketException(message);
        } else {
            return e;
        }
        r.initCause(e);
        return r;
    }
}
