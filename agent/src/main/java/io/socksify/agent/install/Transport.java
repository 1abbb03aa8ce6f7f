package io.socksify.agent.install;

import io.socksify.agent.instrument.Hook;
import io.socksify.agent.route.Router;

/**
 * One transport socksify routes (TCP sockets, NIO channels, UDP, DNS names), in the shape every transport has: its
 * hook rows, a check of what else its routing relies on in the running JDK, a routing state prepared for a
 * configuration and switched on by {@link Commit#commit()}, and a way back. Adding a transport is a class
 * implementing this, its rows in {@link io.socksify.agent.instrument.Hooks}, and its line in
 * {@code Installer.transports}; ARCHITECTURE.md says how.
 */
interface Transport {
    /** @return a name for messages ("sockets", "channels", ...) */
    String name();

    /** @return the transport's rows of the hook table (all JDKs; the installer keeps those of the running one) */
    Hook[] hooks();

    /**
     * Checks what the transport relies on beyond its hooks, without loading a class the JVM has not loaded (a class
     * not loaded yet is checked by its hooks when it loads).
     *
     * @throws IllegalStateException with the reason the transport cannot route in this JVM
     */
    void checkJdk() throws ReflectiveOperationException;

    /** Prepares the transport's routing state for {@code router}; nothing switches until {@link Commit#commit}. */
    Commit prepare(Router router) throws ReflectiveOperationException;

    /** Takes the transport's connector away (a failed installation): its hooks then let everything pass. */
    void clear();

    /** A prepared routing state. */
    interface Commit {
        /** Switches the transport to the prepared state. */
        void commit() throws ReflectiveOperationException;
    }
}
