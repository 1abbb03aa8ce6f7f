package io.socksify.agent.route;

import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.Bypass;
import io.socksify.agent.config.BypassRule;
import io.socksify.agent.config.DnsMode;
import io.socksify.agent.route.dns.RemoteNames;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Decides where connections go: direct (bypass rules, the proxy itself) or through the proxy, and in what form the
 * destination reaches the proxy (a name or an IP, following the DNS mode). Shared by every transport: TCP sockets now,
 * channels and datagrams later. Immutable and thread-safe.
 */
public final class Router {
    private final AgentConfig config;
    private final SocksProxy proxy;

    public Router(AgentConfig config) {
        this.config = config;
        this.proxy = config.proxy();
        if (proxy == null) {
            throw new IllegalStateException("the router needs a proxy (embedded server not started?)");
        }
    }

    public SocksProxy proxy() {
        return proxy;
    }

    public AgentConfig config() {
        return config;
    }

    /**
     * @throws UnknownHostException when {@code dns=local} and an unresolved destination does not resolve here, or
     *                              SOCKS4 gets an unresolved destination (it cannot carry names)
     * @throws ConnectException     when SOCKS4/4a gets an IPv6 destination
     */
    public Route route(InetSocketAddress destination) throws IOException {
        InetSocketAddress named = RemoteNames.named(destination);
        if (named != null) {
            return routeNamed(named, destination);
        }
        if (isProxy(destination)) {
            return Route.direct("the proxy itself", destination);
        }
        Bypass bypass = config.bypass();
        BypassRule rule = bypass.match(destination);
        if (rule != null) {
            return Route.direct("bypass " + rule, destination);
        }
        int port = destination.getPort();
        String host = destination.getHostString();
        if (destination.isUnresolved()) {
            if (!proxy.version().resolvesRemotely()) {
                throw new UnknownHostException("socksify: " + proxy + " cannot send the host name " + host
                        + " to the proxy (SOCKS4 carries IPv4 addresses only: use socks4a:// or socks5h://);"
                        + " nothing was sent directly");
            }
            if (config.dns() == DnsMode.LOCAL) {
                InetSocketAddress resolved = new InetSocketAddress(InetAddress.getByName(host), port);
                rule = bypass.match(resolved);
                if (rule != null) {
                    return Route.direct("bypass " + rule + " (resolved here)", resolved);
                }
                return checked(Route.proxied("as IP (resolved here)", resolved, resolved));
            }
            return Route.proxied("as name (resolved by the proxy)", destination, destination);
        }
        if (config.dns() == DnsMode.REMOTE && proxy.version().resolvesRemotely() && !Bypass.isIpLiteral(host)) {
            // Created from a name (new Socket("name", port) resolves in its constructor): let the proxy resolve it,
            // as socks5h/socks4a users expect; the socket still reports the address it was given.
            return Route.proxied("as name (resolved by the proxy)", InetSocketAddress.createUnresolved(host, port),
                    destination);
        }
        return checked(Route.proxied("as IP", destination, destination));
    }

    /**
     * {@code destination}'s address is a placeholder {@code dns=remote} handed out for {@code named}'s name (see
     * {@link RemoteNames}): the name goes to the proxy, whatever the DNS mode is now, and nothing may go direct (the
     * placeholder leads nowhere and the name was never resolved here).
     */
    private Route routeNamed(InetSocketAddress named, InetSocketAddress destination) throws IOException {
        String host = named.getHostString();
        if (!proxy.version().resolvesRemotely()) {
            throw new UnknownHostException("socksify: " + host + " was resolved by the proxy (dns=remote), but "
                    + proxy + " cannot carry host names; nothing was sent directly");
        }
        BypassRule rule = config.bypass().match(named);
        if (rule == null) {
            rule = config.bypass().match(destination);
        }
        if (rule != null) {
            throw new ConnectException("socksify: " + host + " was resolved by the proxy (dns=remote), so bypass "
                    + rule + " cannot send it direct: " + destination.getAddress().getHostAddress()
                    + " only stands for the name; nothing was sent directly");
        }
        return Route.proxied("as name (resolved by the proxy, placeholder "
                + destination.getAddress().getHostAddress() + ")", named, destination);
    }

    private Route checked(Route route) throws ConnectException {
        InetSocketAddress target = route.target();
        if (proxy.version() != SocksVersion.SOCKS5 && !target.isUnresolved()
                && target.getAddress() instanceof Inet6Address) {
            throw new ConnectException("socksify: " + proxy + " cannot carry the IPv6 destination ["
                    + target.getAddress().getHostAddress() + "]:" + target.getPort()
                    + " (SOCKS4 has no IPv6); nothing was sent directly");
        }
        return route;
    }

    /** Whether {@code destination} is the proxy's own address: that connection is always direct. */
    boolean isProxy(InetSocketAddress destination) {
        InetSocketAddress p = proxy.address();
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

    /** @return the proxy's address, resolved here (a proxy given by name is looked up on each use, JDK-cached) */
    public InetSocketAddress resolvedProxyAddress() throws UnknownHostException {
        InetSocketAddress p = proxy.address();
        if (!p.isUnresolved()) {
            return p;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(p.getHostString()), p.getPort());
        } catch (UnknownHostException e) {
            UnknownHostException failure = new UnknownHostException("socksify: the proxy's host name "
                    + p.getHostString() + " does not resolve (" + proxy + ")");
            failure.initCause(e);
            throw failure;
        }
    }
}
