package io.socksify.agent.route;

import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.Bypass;
import io.socksify.agent.config.Chain;
import io.socksify.agent.config.DnsMode;
import io.socksify.agent.config.Hop;
import io.socksify.agent.config.RouteRule;
import io.socksify.agent.config.RuleIndex;
import io.socksify.agent.config.Via;
import io.socksify.agent.route.dns.RemoteNames;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The routing state: the whole configuration (route table, the proxies with their health, the DNS policy, the UDP
 * mode) as one immutable object, published through {@link Routing}. It decides where a connection goes: direct (a
 * bypass or direct rule, a proxy itself), refused (a block rule), or through a failover group of proxy chains, and in
 * what form the destination reaches the last hop (a name or an IP, following the DNS mode). Thread-safe; the only
 * mutable parts are the proxies' health and the round-robin counter, which are meant to change.
 *
 * <p>Rule order: the {@code bypass} entries first (as {@code direct} rules, as they always went direct), then the
 * {@code routes} rules in order, the first match winning; no match takes the default route, {@code proxy}.
 */
public final class Router {
    private final AgentConfig config;
    private final Via defaultVia;
    /** every rule in matching order */
    private final List<RouteRule> rules;
    /** the rules' index, built on the first decision rather than while the JVM starts */
    private volatile RuleIndex index;
    private final Map<String, ProxyHealth> health;
    /** Every proxy of every route: their addresses are made on first use (no name service while the JVM starts). */
    private final List<SocksProxy> proxyAddresses;
    /** The proxies' ports: most destinations are told apart from every proxy by their port alone. */
    private final java.util.BitSet proxyPorts = new java.util.BitSet(65536);
    private final AtomicInteger nextStart = new AtomicInteger();

    public Router(AgentConfig config) {
        this(config, null);
    }

    /** @param previous the state this one replaces, whose proxies keep their health and counters; or null */
    public Router(AgentConfig config, Router previous) {
        this.config = config;
        this.defaultVia = config.via();
        if (defaultVia == null) {
            throw new IllegalStateException("the router needs a proxy (embedded server not started?)");
        }
        List<RouteRule> rules = new ArrayList<>();
        Bypass bypass = config.bypass();
        for (io.socksify.agent.config.BypassRule entry : bypass.rules()) {
            rules.add(new RouteRule(Bypass.of(entry), Via.DIRECT, "bypass " + entry));
        }
        rules.addAll(config.routes());
        this.rules = List.copyOf(rules);
        Map<String, ProxyHealth> h = new LinkedHashMap<>();
        List<SocksProxy> addresses = new ArrayList<>();
        List<Via> vias = new ArrayList<>();
        vias.add(defaultVia);
        for (RouteRule r : config.routes()) {
            vias.add(r.via());
        }
        for (Via via : vias) {
            for (Chain chain : via.alternatives()) {
                for (Hop hop : chain.hops()) {
                    ProxyHealth old = previous == null ? null : previous.health.get(hop.text());
                    h.putIfAbsent(hop.text(), old != null ? old : new ProxyHealth(hop));
                    if (!containsAddress(addresses, hop.proxy())) {
                        addresses.add(hop.proxy());
                    }
                }
            }
        }
        this.health = Collections.unmodifiableMap(h);
        this.proxyAddresses = List.copyOf(addresses);
        for (SocksProxy p : proxyAddresses) {
            proxyPorts.set(p.port());
        }
    }

    /** Whether a proxy of {@code proxies} has {@code proxy}'s host string and port. */
    private static boolean containsAddress(List<SocksProxy> proxies, SocksProxy proxy) {
        for (SocksProxy p : proxies) {
            if (p.port() == proxy.port() && p.host().equalsIgnoreCase(proxy.host())) {
                return true;
            }
        }
        return false;
    }

    /** @return the default route's first proxy (for one-proxy descriptions: the MBean's {@code proxy}) */
    public SocksProxy proxy() {
        return defaultVia.primary().first().proxy();
    }

    public AgentConfig config() {
        return config;
    }

    /** @return the default route ({@code proxy}) */
    public Via defaultVia() {
        return defaultVia;
    }

    /** @return every rule in matching order: each bypass entry as a direct rule, then {@code routes} */
    public List<RouteRule> rules() {
        return rules;
    }

    /** @return every proxy of every route with its health, by name */
    public Map<String, ProxyHealth> health() {
        return health;
    }

    public ProxyHealth health(Hop hop) {
        return health.get(hop.text());
    }

    /** @return the rule for {@code destination}, or null for the default route */
    public RouteRule match(InetSocketAddress destination) {
        return index().match(destination.getHostString(), destination.isUnresolved() ? null : destination.getAddress(),
                destination.getPort());
    }

    /** @return the rule for the host name {@code host} at some port, or null (a lookup does not know the port) */
    public RouteRule matchName(String host) {
        return index().match(host, null, 0);
    }

    private RuleIndex index() {
        RuleIndex i = index;
        if (i == null) {
            synchronized (this) {
                i = index;
                if (i == null) {
                    index = i = new RuleIndex(rules);
                }
            }
        }
        return i;
    }

    /** @return the route of a host name, at some port: the default route when no rule matches */
    public Via viaForName(String host) {
        RouteRule rule = matchName(host);
        return rule == null ? defaultVia : rule.via();
    }

    /**
     * @throws RouteBlockedException when a {@code block} rule matches; nothing is sent
     * @throws UnknownHostException  when {@code dns=local} and an unresolved destination does not resolve here, or
     *                               a SOCKS4 last hop gets an unresolved destination (it cannot carry names)
     * @throws ConnectException      when a SOCKS4/4a last hop gets an IPv6 destination
     */
    public Route route(InetSocketAddress destination) throws IOException {
        InetSocketAddress named = RemoteNames.named(destination);
        if (named != null) {
            return routeNamed(named, destination);
        }
        if (isProxy(destination)) {
            return Route.direct("a proxy itself", destination);
        }
        RouteRule rule = match(destination);
        Via via = rule == null ? defaultVia : rule.via();
        if (via.kind() == Via.Kind.DIRECT) {
            return Route.direct(rule.toString(), destination);
        }
        if (via.kind() == Via.Kind.BLOCK) {
            throw blocked(rule, destination);
        }
        SocksProxy last = via.primary().last().proxy();
        int port = destination.getPort();
        String host = destination.getHostString();
        if (destination.isUnresolved()) {
            if (!last.version().resolvesRemotely()) {
                throw new UnknownHostException("socksify: " + last + " cannot send the host name " + host
                        + " to the proxy (SOCKS4 carries IPv4 addresses only: use socks4a:// or socks5h://);"
                        + " nothing was sent directly");
            }
            if (config.dns() == DnsMode.LOCAL) {
                InetSocketAddress resolved = new InetSocketAddress(InetAddress.getByName(host), port);
                RouteRule again = match(resolved);
                Via v = again == null ? defaultVia : again.via();
                if (v.kind() == Via.Kind.DIRECT) {
                    return Route.direct(again + " (resolved here)", resolved);
                }
                if (v.kind() == Via.Kind.BLOCK) {
                    throw blocked(again, resolved);
                }
                return checked(Route.proxied("as IP (resolved here)", resolved, resolved, v, again));
            }
            return Route.proxied("as name (resolved by the proxy)", destination, destination, via, rule);
        }
        if (config.dns() == DnsMode.REMOTE && last.version().resolvesRemotely() && !ipLiteral(host)) {
            // Created from a name (new Socket("name", port) resolves in its constructor): let the proxy resolve it,
            // as socks5h/socks4a users expect; the socket still reports the address it was given.
            return Route.proxied("as name (resolved by the proxy)", InetSocketAddress.createUnresolved(host, port),
                    destination, via, rule);
        }
        return checked(Route.proxied("as IP", destination, destination, via, rule));
    }

    /**
     * {@code destination}'s address is a placeholder {@code dns=remote} handed out for {@code named}'s name (see
     * {@link RemoteNames}): the name selects the route and goes to the last hop, whatever the DNS mode is now, and
     * nothing may go direct (the placeholder leads nowhere and the name was never resolved here).
     */
    private Route routeNamed(InetSocketAddress named, InetSocketAddress destination) throws IOException {
        String host = named.getHostString();
        RouteRule rule = match(named);
        if (rule == null) {
            rule = match(destination);
        }
        Via via = rule == null ? defaultVia : rule.via();
        if (via.kind() == Via.Kind.DIRECT) {
            throw new ConnectException("socksify: " + host + " was resolved by the proxy (dns=remote), so " + rule
                    + " cannot send it direct: " + destination.getAddress().getHostAddress()
                    + " only stands for the name; nothing was sent directly");
        }
        if (via.kind() == Via.Kind.BLOCK) {
            throw blocked(rule, named);
        }
        SocksProxy last = via.primary().last().proxy();
        if (!last.version().resolvesRemotely()) {
            throw new UnknownHostException("socksify: " + host + " was resolved by the proxy (dns=remote), but "
                    + last + " cannot carry host names; nothing was sent directly");
        }
        return Route.proxied("as name (resolved by the proxy, placeholder "
                + destination.getAddress().getHostAddress() + ")", named, destination, via, rule);
    }

    /**
     * Whether a resolved destination's host string is its IP literal rather than a name, without
     * {@link Bypass#isIpLiteral}'s regular expressions: a colon only appears in IPv6 literals, and a host string of
     * digits and dots is an IPv4 literal (the JDK reads such a "name" as an address too).
     */
    private static boolean ipLiteral(String host) {
        for (int i = 0, n = host.length(); i < n; i++) {
            char c = host.charAt(i);
            if (c == ':') {
                return true; // no host name has a colon: an IPv6 literal (the JDK's host string of one)
            }
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    private static RouteBlockedException blocked(RouteRule rule, InetSocketAddress destination) {
        return new RouteBlockedException("socksify: " + destination.getHostString() + ":" + destination.getPort()
                + " is blocked by routes " + rule + "; nothing was sent");
    }

    private Route checked(Route route) throws ConnectException {
        InetSocketAddress target = route.target();
        SocksProxy last = route.via().primary().last().proxy();
        if (last.version() != SocksVersion.SOCKS5 && !target.isUnresolved()
                && target.getAddress() instanceof Inet6Address) {
            throw new ConnectException("socksify: " + last + " cannot carry the IPv6 destination ["
                    + target.getAddress().getHostAddress() + "]:" + target.getPort()
                    + " (SOCKS4 has no IPv6); nothing was sent directly");
        }
        return route;
    }

    /**
     * The alternatives of {@code via} in the order to try them: live ones first, in the order {@code select} says,
     * then those marked down, the one whose time runs out first before the others (tried only when all are down).
     */
    public List<Chain> order(Via via) {
        List<Chain> alternatives = via.alternatives();
        int n = alternatives.size();
        if (n == 1) {
            return alternatives;
        }
        int start = switch (config.select()) {
            case ORDER -> 0;
            case ROUND_ROBIN -> Math.floorMod(nextStart.getAndIncrement(), n);
            case RANDOM -> ThreadLocalRandom.current().nextInt(n);
        };
        long now = System.nanoTime();
        List<Chain> live = new ArrayList<>(n);
        List<Chain> down = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Chain c = alternatives.get((start + i) % n);
            (downUntil(c, now) == 0 ? live : down).add(c);
        }
        if (!down.isEmpty()) {
            down.sort((a, b) -> Long.compare(downUntil(a, now) - now, downUntil(b, now) - now));
            live.addAll(down);
        }
        return live;
    }

    /** @return the latest time a hop of {@code chain} is down until, or 0 if every hop is up */
    private long downUntil(Chain chain, long now) {
        long until = 0;
        for (Hop hop : chain.hops()) {
            ProxyHealth h = health(hop);
            if (h != null && h.isDown(now) && (until == 0 || h.downUntil() - until > 0)) {
                until = h.downUntil();
            }
        }
        return until;
    }

    /** Whether {@code destination} is the address of a proxy of this state: that connection is always direct. */
    boolean isProxy(InetSocketAddress destination) {
        if (!proxyPorts.get(destination.getPort())) {
            return false;
        }
        for (SocksProxy p : proxyAddresses) {
            if (isAddress(destination, p.address())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isAddress(InetSocketAddress destination, InetSocketAddress p) {
        if (destination.getPort() != p.getPort()) {
            return false;
        }
        if (destination.getHostString().equalsIgnoreCase(p.getHostString())) {
            return true;
        }
        if (destination.isUnresolved()) {
            return false;
        }
        if (!p.isUnresolved()) {
            return p.getAddress().equals(destination.getAddress());
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(p.getHostString())) {
                if (a.equals(destination.getAddress())) {
                    return true;
                }
            }
        } catch (UnknownHostException e) {
            return false;
        }
        return false;
    }

    /** Whether {@code host} (normalized) is the host name of a proxy of this state: it is always resolved here. */
    public boolean isProxyHost(String host) {
        for (SocksProxy p : proxyAddresses) {
            if (p.host().equalsIgnoreCase(host)) {
                return true;
            }
        }
        return false;
    }

    /** @return the default route's first proxy's address, resolved here (see {@link #resolve(Hop)}) */
    public InetSocketAddress resolvedProxyAddress() throws UnknownHostException {
        return resolve(defaultVia.primary().first());
    }

    /** @return the hop's address, resolved here (a proxy given by name is looked up on each use, JDK-cached) */
    public static InetSocketAddress resolve(Hop hop) throws UnknownHostException {
        InetSocketAddress p = hop.proxy().address();
        if (!p.isUnresolved()) {
            return p;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(p.getHostString()), p.getPort());
        } catch (UnknownHostException e) {
            UnknownHostException failure = new UnknownHostException("socksify: the proxy's host name "
                    + p.getHostString() + " does not resolve (" + hop + ")");
            failure.initCause(e);
            throw failure;
        }
    }

    /** @return a multi-line description of the route table, for the MBean and {@code status} */
    public List<String> describeRoutes() {
        List<String> lines = new ArrayList<>();
        for (RouteRule r : rules()) {
            lines.add(r + " -> " + r.via());
        }
        lines.add("default -> " + defaultVia + (defaultVia.alternatives().size() > 1 ? " (select="
                + config.select().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")" : ""));
        return lines;
    }
}
