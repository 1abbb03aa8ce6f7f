package io.socksify.agent.bootstrap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * The one entry point advice inlined into {@code java.base} calls. It lives in the boot loader (advice in
 * {@code java.base} can only link against boot-loaded classes) and holds no logic of its own: it hands each
 * connection to the connector the installer set, and turns any internal failure into the connection's own
 * {@link IOException}, so that an error in socksify can never let a connection go out directly (the connector
 * closes the socket on every failure of its own).
 */
public final class Dispatcher {
    private static volatile SocketConnector socketConnector;
    // Switched by 'attach <pid> off' / 'on': off means new connections go direct, as the user asked.
    private static volatile boolean routing = true;

    private Dispatcher() {
    }

    public static void install(SocketConnector connector) {
        socketConnector = connector;
    }

    /** Switches routing of new connections on or off (off: they go direct); every transport's dispatcher asks. */
    public static void routing(boolean on) {
        routing = on;
    }

    /** @return whether new connections are routed; false only after {@code attach <pid> off} */
    public static boolean routing() {
        return routing;
    }

    /** @return whether a connector is installed (the installer's start-up check) */
    public static boolean installed() {
        return socketConnector != null;
    }

    /**
     * Called from {@code SocksSocketImpl.connect(SocketAddress, int)} when the socket has no proxy of its own.
     *
     * @return null to let the JDK connect (bypass), else the destination to report: the connection is established
     */
    public static InetSocketAddress connectSocket(SocketImpl delegate, SocketAddress endpoint, int timeoutMillis)
            throws IOException {
        SocketConnector connector = socketConnector;
        if (connector == null || !(endpoint instanceof InetSocketAddress destination)) {
            // Not installed yet, or an address type the JDK rejects itself with its own exception.
            return null;
        }
        if (!routing) {
            Metrics.CONNECTIONS_BYPASSED.increment();
            return null;
        }
        InetSocketAddress connected;
        try {
            connected = connector.connect(delegate, destination, timeoutMillis);
        } catch (IOException e) {
            Metrics.failed(e);
            throw e;
        } catch (RuntimeException | LinkageError e) {
            SocketException failure = new SocketException("socksify: internal error while connecting to "
                    + destination.getHostString() + ":" + destination.getPort() + " (nothing was sent directly): " + e);
            failure.initCause(e);
            Metrics.failed("internal error");
            throw failure;
        }
        // Null: the JDK connects directly. A different address than asked for is counted as routed (a direct
        // connection to a locally resolved, bypassed name returns one too; rare enough not to be told apart here).
        (connected == null ? Metrics.CONNECTIONS_BYPASSED : Metrics.CONNECTIONS_ROUTED).increment();
        return connected;
    }
}
