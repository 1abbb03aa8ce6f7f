package io.socksify.agent.route;

import io.socksify.agent.config.RouteRule;
import io.socksify.agent.config.Via;

import java.net.InetSocketAddress;

/**
 * Where one connection goes.
 *
 * @param direct   whether it goes direct (a bypass or direct rule, or a proxy itself)
 * @param reason   why, for the DEBUG log: the matching rule, or how the destination is sent
 * @param target   the address connected directly, or the destination the last hop is asked for (unresolved = as a
 *                 name)
 * @param reported the destination the socket reports as its remote address
 * @param via      the proxies (a failover group of chains) for a proxied route; null when direct
 * @param rule     the rule that chose the route, or null for the default route ({@code proxy})
 */
public record Route(boolean direct, String reason, InetSocketAddress target, InetSocketAddress reported, Via via,
        RouteRule rule) {
    static Route direct(String reason, InetSocketAddress target) {
        return new Route(true, reason, target, target, null, null);
    }

    static Route proxied(String reason, InetSocketAddress target, InetSocketAddress reported, Via via,
            RouteRule rule) {
        return new Route(false, reason, target, reported, via, rule);
    }
}
