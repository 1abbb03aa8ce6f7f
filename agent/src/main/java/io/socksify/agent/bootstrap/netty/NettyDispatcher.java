package io.socksify.agent.bootstrap.netty;

import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.bootstrap.Metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The entry points the prologues in (any relocated copy of) Netty's native transports call. Boot-loaded with JDK
 * types only, like the other dispatchers, so that classes of any application class loader link against it.
 *
 * <p>Two calls. {@link #unavailabilityCause} runs in the static initialiser of {@code Epoll}, {@code KQueue},
 * {@code IOUring} and {@code IoUring} where it stores its {@code UNAVAILABILITY_CAUSE}: the transport then reports
 * itself unavailable and the library falls back to its NIO copy, which socksify routes. {@link #connect} and
 * {@link #send} run before Netty's own Java code hands an inet destination to the kernel (a connect, a datagram, TCP
 * fast open, an io_uring socket address); they refuse it unless the installed {@link NativeGuard} says the
 * destination goes direct anyway, because a native connect can never be routed.
 */
public final class NettyDispatcher {
    /** The end of the switch every copy of Netty reads: {@code io.netty.transport.noNative} unrelocated. */
    private static final String NO_NATIVE_TAIL = "netty.transport.noNative";

    private static volatile NativeGuard guard;

    private NettyDispatcher() {
    }

    /** Where destinations of native connects are decided; null until socksify is installed. */
    public interface NativeGuard {
        /**
         * @param site the Netty class and method that was about to send, for the message and the log
         * @throws IOException the connection's failure: the destination is not bypassed, nothing was sent
         */
        void check(InetSocketAddress destination, String site) throws IOException;
    }

    public static void install(NativeGuard nativeGuard) {
        guard = nativeGuard;
    }

    /**
     * Called where the transport's static initialiser has read the copy's {@code noNative} switch.
     *
     * @param noNative  what the copy read: true when its (relocated) {@code io.netty.transport.noNative} is true
     * @param transport the class's name, e.g. {@code io.grpc.netty.shaded.io.netty.channel.epoll.Epoll}
     * @param suffix    the part of the name from Netty's own {@code netty.} on, e.g. {@code netty.channel.epoll.Epoll}
     * @return true (skip loading the native library) unless the user set the copy's switch explicitly
     */
    public static boolean noNative(boolean noNative, String transport, String suffix) {
        return noNative || !userChoice(transport, suffix);
    }

    /**
     * Called with the cause the transport's static initialiser found (null: the native library works) as it stores
     * it in {@code UNAVAILABILITY_CAUSE}.
     *
     * @return the cause the transport keeps: Netty's own when the user set the copy's {@code noNative} explicitly
     *         (their choice stands), else one that names socksify
     */
    public static Throwable unavailabilityCause(Throwable cause, String transport, String suffix) {
        try {
            if (userChoice(transport, suffix)) {
                return cause; // the connect guard still refuses what is not bypassed
            }
            String name = transport.substring(transport.lastIndexOf('.') + 1);
            return new UnsupportedOperationException("socksify: Netty's native " + name + " transport ("
                    + transport + ") is switched off so that this library falls back to its NIO transport, which"
                    + " socksify routes through the SOCKS proxy (a native transport connects outside the JDK and"
                    + " cannot be routed); -D" + property(transport, suffix) + "=false keeps it on, but then its"
                    + " connections fail unless a bypass rule matches their destination");
        } catch (RuntimeException e) {
            // Never break the application's class initialisation: off is the safe answer.
            return new UnsupportedOperationException("socksify: Netty's native transport " + transport
                    + " is switched off: " + e);
        }
    }

    /** Whether the user set this copy's {@code noNative} switch (under the copy's relocation prefix) themselves. */
    private static boolean userChoice(String transport, String suffix) {
        return System.getProperty(property(transport, suffix)) != null;
    }

    /**
     * The name of the switch the copy reads: the shade plugin relocates {@code io.netty} in string constants too, so
     * a copy at {@code P.netty.channel.epoll.Epoll} reads {@code P.netty.transport.noNative}.
     */
    static String property(String transport, String suffix) {
        return transport.substring(0, transport.length() - suffix.length()) + NO_NATIVE_TAIL;
    }

    /** Before a native connect, or a send to {@code address}; other address types (Unix domain) pass. */
    public static void connect(SocketAddress address, String site) throws IOException {
        if (address instanceof InetSocketAddress destination) {
            check(destination, site);
        }
    }

    /** Before a native datagram (or TCP fast open) send to {@code address:port}. */
    public static void send(InetAddress address, int port, String site) throws IOException {
        if (address != null) {
            check(new InetSocketAddress(address, port), site);
        }
    }

    private static void check(InetSocketAddress destination, String site) throws IOException {
        NativeGuard g = guard;
        if (g == null) {
            return; // not installed (or the installation was taken back): nothing routes, nothing is refused
        }
        if (!Dispatcher.routing()) {
            Metrics.CONNECTIONS_BYPASSED.increment();
            return;
        }
        g.check(destination, site);
    }
}
