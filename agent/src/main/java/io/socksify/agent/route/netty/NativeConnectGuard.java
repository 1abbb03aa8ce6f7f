package io.socksify.agent.route.netty;

import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.bootstrap.netty.NettyDispatcher;
import io.socksify.agent.route.Route;
import io.socksify.agent.route.Router;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides the destinations of Netty's native transports: a native connect or send happens in C, where socksify
 * cannot route it, so it goes ahead only when the router sends that destination direct anyway (a bypass rule, the
 * proxy itself); everything else fails before anything is sent, with an exception saying so, counted as a blocked
 * leak and logged at WARN once per Netty call site.
 */
public final class NativeConnectGuard implements NettyDispatcher.NativeGuard {
    private static NativeConnectGuard installed;

    // Replaced by a re-attach.
    private volatile Router router;
    private final Map<String, Boolean> warned = new ConcurrentHashMap<>();

    private NativeConnectGuard(Router router) {
        this.router = router;
    }

    /** Installs the guard, or hands it a re-attach's router. */
    public static synchronized void install(Router router) {
        if (installed != null) {
            installed.router = router;
            return;
        }
        installed = new NativeConnectGuard(router);
        NettyDispatcher.install(installed);
    }

    @Override
    public void check(InetSocketAddress destination, String site) throws IOException {
        Route route;
        try {
            route = router.route(destination);
        } catch (IOException | RuntimeException e) {
            route = null; // not routable at all: certainly not direct
        }
        if (route != null && route.direct() && route.target() == destination) {
            Log.get("socksify").debug("Netty native {} to {} goes direct: {}", site, destination, route.reason());
            Metrics.CONNECTIONS_BYPASSED.increment();
            return;
        }
        String where = destination.getHostString() + ":" + destination.getPort();
        // The copy's own switch: the site's class is P.netty.channel.…, the switch P.netty.transport.noNative.
        int netty = site.lastIndexOf("netty.channel.");
        String noNative = (netty < 0 ? "io." : site.substring(0, netty)) + "netty.transport.noNative";
        ConnectException refused = new ConnectException("socksify: a direct connection to " + where
                + " by Netty's native transport (" + site + ") was refused; nothing was sent. Native transports"
                + " connect outside the JDK, so socksify cannot route them through the proxy: use the library's NIO"
                + " transport (leave " + noNative + " unset under socksify) or add a bypass rule for "
                + where);
        Metrics.LEAKS_BLOCKED.increment();
        Metrics.failed(refused);
        if (warned.putIfAbsent(site, Boolean.TRUE) == null) {
            Log.get("socksify").warn(refused.getMessage() + " (logged once for this call site)", refused);
        }
        throw refused;
    }
}
