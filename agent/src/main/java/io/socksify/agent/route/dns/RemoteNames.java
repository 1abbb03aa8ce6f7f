package io.socksify.agent.route.dns;

import io.socksify.agent.route.JavaBaseAccess;
import io.socksify.agent.bootstrap.KdcTraffic;
import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.bootstrap.dns.NameDispatcher;
import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.Bypass;
import io.socksify.agent.config.RouteRule;
import io.socksify.agent.config.Via;
import io.socksify.agent.route.Routing;
import io.socksify.agent.config.DnsMode;
import io.socksify.agent.route.Router;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * {@code dns=remote} for names the application resolves itself ({@code new InetSocketAddress(name, port)},
 * {@code InetAddress.getAllByName}: {@code new Socket(name, port)}, {@code HttpURLConnection}, OkHttp, Netty,
 * {@code HttpClient}): the JDK's built-in name service answers a name socksify routes with a placeholder address (see
 * {@code SyntheticAddresses}) instead of asking DNS, and the {@code Router} sends the name to the proxy when a
 * connection or datagram goes to that address. What proxychains' {@code proxy_dns} and Tor's automap do.
 *
 * <p>Resolved here as usual: IP literals, {@code localhost} and {@code *.localhost}, this machine's own host name
 * ({@code InetAddress.getLocalHost()}), the proxy's host name, names a bypass rule matches at any port, and every
 * name while routing is off. With {@code proxy=embedded} the proxy is this JVM, whose own lookups would meet the
 * placeholders in the JDK's cache: names resolve here as with {@code dns=local}.
 */
public final class RemoteNames implements Predicate<String> {
    /**
     * This machine's host name, read when a configuration with {@code dns=remote} is installed (its reflective read
     * spins method-handle classes on JDK 18 and later: start-up time a JVM with {@code dns=local} need not spend).
     */
    private static volatile String localHostName;

    private static final RemoteNames POLICY = new RemoteNames();

    private RemoteNames() {
    }

    /**
     * Reads this machine's host name before {@code router} is published, if {@code router} sends names to the proxy
     * and no earlier state did: while the previous state (none, or {@code dns=local}) is still the one lookups read,
     * so that a fallback to {@code getLocalHost()} resolves locally, and no lookup between the switch and the commit
     * sends this machine's own name to the proxy (a re-attach from {@code dns=local} to {@code dns=remote}).
     */
    public static void prepare(Router router) {
        if (localHostName == null && remote(router)) {
            localHostName = localHostName();
        }
    }

    /**
     * Installs the policy once: it reads the routing state ({@link Routing#current()}) on each lookup, so that a
     * re-attach switches it with everything else.
     */
    public static void install() {
        NameDispatcher.install(POLICY);
    }

    /** Whether {@code router}'s names go to the proxy: {@code dns=remote}, not the embedded server. */
    private static boolean remote(Router router) {
        AgentConfig config = router.config();
        return config.dns() == DnsMode.REMOTE && !config.embedded();
    }

    /**
     * @return the name {@code destination} stands for as an unresolved address with its port, when its address is
     *         a placeholder socksify handed out; else null
     */
    public static InetSocketAddress named(InetSocketAddress destination) {
        if (destination.isUnresolved()) {
            return null;
        }
        String name = NameDispatcher.nameOf(destination.getAddress());
        return name == null ? null : InetSocketAddress.createUnresolved(name, destination.getPort());
    }

    @Override
    public boolean test(String host) {
        Router router = Routing.current();
        if (router == null || !remote(router) || !Dispatcher.routing() || KdcTraffic.current()) {
            return false;
        }
        String h = normalize(host);
        if (h.isEmpty() || Bypass.isIpLiteral(h) || h.equals("localhost") || h.endsWith(".localhost")
                || h.equals(localHostName) || router.isProxyHost(h)) {
            return false;
        }
        RouteRule rule = router.matchName(host);
        Via via = rule == null ? router.defaultVia() : rule.via();
        if (via.kind() == Via.Kind.DIRECT) {
            Log.get("socksify").debug("dns {} -> resolved here ({})", Printable.field(host), rule);
            return false;
        }
        if (via.kind() == Via.Kind.PROXY && !via.primary().last().proxy().version().resolvesRemotely()) {
            // The last hop decides: SOCKS4 carries addresses only, so the name is resolved here.
            Log.get("socksify").debug("dns {} -> resolved here (the last hop of {} is SOCKS4)",
                    Printable.field(host), via);
            return false;
        }
        Log.get("socksify").debug("dns {} -> resolved by the proxy", Printable.field(host));
        return true;
    }

    private static String normalize(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /**
     * This machine's host name as {@code InetAddress.getLocalHost()} reads it ({@code gethostname}, no lookup), through
     * {@code InetAddress.impl} ({@code java.net} is open to the agent). Only if that fails is it taken from
     * {@code getLocalHost()}, which looks it up (before the first policy is installed, so locally).
     */
    private static String localHostName() {
        try {
            JavaBaseAccess.open();
            Field impl = InetAddress.class.getDeclaredField("impl");
            impl.setAccessible(true);
            Object i = impl.get(null);
            Method m = impl.getType().getDeclaredMethod("getLocalHostName");
            m.setAccessible(true);
            return normalize((String) m.invoke(i));
        } catch (ReflectiveOperationException | RuntimeException e) {
            try {
                return normalize(InetAddress.getLocalHost().getHostName());
            } catch (java.io.IOException | RuntimeException e2) {
                return "localhost";
            }
        }
    }
}
