package io.socksify.agent.bootstrap;

import java.net.SocketException;

/**
 * Called from the prologues of {@code Socket.setSocketImplFactory} and
 * {@code DatagramSocket.setDatagramSocketImplFactory}. A factory set there replaces the implementation of every later
 * socket: {@code Socket} would skip the platform impl ({@code NioSocketImpl}) socksify hooks, {@code DatagramSocket}
 * the channel.
 * Those sockets could not be routed, so the setter is refused while socksify is installed (for datagrams, unless
 * {@code udp=direct}, where the user lets UDP go direct anyway). Passing null, a no-op, is let through.
 */
public final class ImplFactoryGuard {
    private static volatile boolean datagramFactoryAllowed;

    private ImplFactoryGuard() {
    }

    /** Set by UDP routing's installation: whether UDP goes direct ({@code udp=direct}). */
    public static void allowDatagramFactory(boolean allowed) {
        datagramFactoryAllowed = allowed;
    }

    public static void socketImplFactory(Object factory) throws SocketException {
        if (factory != null && Dispatcher.installed()) {
            throw new SocketException("socksify routes this JVM's sockets; a SocketImplFactory would bypass it");
        }
    }

    /**
     * Called where JDK 17's {@code DatagramSocket} decides, once as it initializes, whether to run on the legacy
     * {@code DatagramSocketImpl} ({@code jdk.net.usePlainDatagramSocketImpl}) rather than on the channel socksify
     * routes: true (the channel) unless UDP goes direct. A JVM started with the property is refused at installation.
     */
    public static boolean channelDatagramSocket() {
        return !datagramFactoryAllowed;
    }

    public static void datagramSocketImplFactory(Object factory) throws SocketException {
        if (factory != null && Dispatcher.installed() && !datagramFactoryAllowed) {
            throw new SocketException("socksify routes this JVM's datagrams; a DatagramSocketImplFactory would bypass"
                    + " it (udp=direct allows it)");
        }
    }
}
