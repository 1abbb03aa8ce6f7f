package io.socksify.agent.route;

/**
 * The one published routing state. Every transport reads {@link #current()} once per connection (or datagram
 * association) and uses that {@link Router} for all of it; a re-attach builds and checks a complete new state, then
 * switches this one field: no transport ever sees a mix of two configurations.
 */
public final class Routing {
    private static volatile Router current;

    private Routing() {
    }

    /** @return the routing state, or null before installation */
    public static Router current() {
        return current;
    }

    /** The switch: called by the installer once every transport has accepted {@code router}. */
    public static void publish(Router router) {
        current = router;
    }
}
