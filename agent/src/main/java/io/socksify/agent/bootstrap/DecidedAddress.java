package io.socksify.agent.bootstrap;

import java.io.Serial;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * An address socksify's socket routing has decided already and connects itself: its proxy's (the first hop of a
 * route), or a bypassed destination it resolved. The platform impl's {@code connect} prologue lets such a connect
 * run as the JDK's own code instead of routing it a second time ({@link Dispatcher#connectSocket}): the type
 * carries the decision, so the check is one {@code instanceof}; the dispatcher then permits exactly that destination
 * for the last-line guard ({@code ConnectGuard.permit}, one thread-local write).
 */
public final class DecidedAddress extends InetSocketAddress {
    @Serial
    private static final long serialVersionUID = 1L;

    private DecidedAddress(InetAddress address, int port) {
        super(address, port);
    }

    /** @return {@code address} marked as decided; an unresolved one as it is (the JDK refuses it with its own error) */
    public static InetSocketAddress of(InetSocketAddress address) {
        if (address instanceof DecidedAddress || address.isUnresolved()) {
            return address;
        }
        return new DecidedAddress(address.getAddress(), address.getPort());
    }
}
