package io.socksify.agent.route;

import java.net.ConnectException;

/**
 * A connection (or datagram) a {@code block} rule refuses: nothing was sent anywhere. A {@link ConnectException}, as
 * for a destination that refuses, so that applications handle it as they handle any refused connection.
 */
public final class RouteBlockedException extends ConnectException {
    private static final long serialVersionUID = 1L;

    public RouteBlockedException(String message) {
        super(message);
    }
}
