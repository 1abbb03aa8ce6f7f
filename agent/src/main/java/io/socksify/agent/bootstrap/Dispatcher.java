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
     * Called from the platform impl's {@code connect(SocketAddress, int)} ({@code NioSocketImpl}; JDK 17's
     * {@code AbstractPlainSocketImpl}): every TCP connection a {@code java.net.Socket} makes passes here, whatever
     * proxy the application chose, so the address the JDK connects to (the destination, or the application's own
     * HTTP or SOCKS proxy) is routed like any other.
     *
     * @return false to let the JDK connect (bypass, or a connect socksify decided itself), true: connected
     */
    public static boolean connectSocket(SocketImpl impl, SocketAddress endpoint, int timeoutMillis)
            throws IOException {
        SocketConnector connector = socketConnector;
        if (endpoint instanceof DecidedAddress decided) {
            // socksify's own connect to its proxy (or to a bypassed destination it resolved), decided already: the
            // last-line guard in Net.connect lets exactly this destination through on this thread.
            ConnectGuard.permit(decided);
            return false;
        }
        if (connector == null || !(endpoint instanceof InetSocketAddress destination)) {
            // Not installed yet, or an address type the JDK rejects itself with its own exception.
            return false;
        }
        if (!routing) {
            Metrics.CONNECTIONS_BYPASSED.increment();
            return false;
        }
        boolean connected;
        try {
            connected = connector.connect(impl, destination, timeoutMillis);
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
        // False: the JDK connects directly. True is counted as routed (a direct connection to a locally resolved,
        // bypassed name is made by socksify too; rare enough not to be told apart here).
        (connected ? Metrics.CONNECTIONS_ROUTED : Metrics.CONNECTIONS_BYPASSED).increment();
        return connected;
    }
}
