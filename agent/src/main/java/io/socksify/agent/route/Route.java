package io.socksify.agent.route;

import java.net.InetSocketAddress;

/**
 * Where one connection goes.
 *
 * @param direct   whether it goes direct (a bypassed destination, or the proxy itself)
 * @param reason   why, for the DEBUG log: the matching bypass rule, or how the destination is sent
 * @param target   the address connected directly, or the destination sent to the proxy (unresolved = as a name)
 * @param reported the destination the socket reports as its remote address
 */
public record Route(boolean direct, String reason, InetSocketAddress target, InetSocketAddress reported) {
    static Route direct(String reason, InetSocketAddress target) {
        return new Route(true, reason, target, target);
    }

    static Route proxied(String reason, InetSocketAddress target, InetSocketAddress reported) {
        return new Route(false, reason, target, reported);
    }
}
