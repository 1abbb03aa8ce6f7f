package io.socksify.agent.bootstrap;

import io.socksify.agent.bootstrap.dns.NameDispatcher;
import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.bootstrap.udp.UdpGuard;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The last line: the prologues of {@code sun.nio.ch.Net.connect} (every TCP connect of {@code NioSocketImpl},
 * {@code SocketChannelImpl}, {@code UnixAsynchronousSocketChannelImpl}, and every UDP connect) and of
 * {@code DatagramChannelImpl.send(FileDescriptor, ByteBuffer, InetSocketAddress)} (every datagram sent to an address)
 * call it just before the JDK hands a destination to the operating system. A placeholder address of
 * {@code dns=remote} is refused first ({@link NameDispatcher#checkDirect}); then anything socksify did not decide.
 *
 * <p>Decided means one of:
 * <ul>
 *   <li>a <b>permit</b>: the router has just let the JDK connect or send to this destination on this thread (a bypass
 *       rule, the proxy's own address, {@code udp=direct}, or socksify's own connection to the first hop), and the
 *       routing code said so with {@link #permit} before letting the JDK go on. A permit is the router's
 *       {@code InetSocketAddress} itself in a per-thread slot: setting it allocates nothing once the thread has the
 *       slot. A TCP or UDP connect uses it up; a datagram send leaves it (the JDK retries the same send while the
 *       socket buffer is full), until the thread's next decision replaces it.</li>
 *   <li>a <b>scope</b> of socksify's own: a channel connect socksify makes itself ({@link ChannelDispatcher#direct}),
 *       the relay traffic of a UDP association ({@link UdpGuard}), a thread of the embedded server
 *       ({@link ServerThreads}: its outgoing connections are its own decision), socksify's own Kerberos exchange
 *       with a KDC inside a GSS-API handshake ({@link KdcTraffic});</li>
 *   <li>routing switched off ({@code attach <pid> off}: new connections go direct, as the user asked).</li>
 * </ul>
 * Anything else reached the operating system on a path socksify does not route (a JDK path it does not hook yet, or
 * hooks bypassed some other way): it fails before anything is sent, through the installed {@link Refusal}, which
 * names the destination and the caller, counts it and logs it once per call site. Until socksify is installed (and
 * after a failed installation) nothing is refused but placeholders.
 */
public final class ConnectGuard {
    /** The destination the router last let the JDK reach directly on this thread. */
    private static final ThreadLocal<InetSocketAddress> PERMIT = new ThreadLocal<>();
    private static volatile Refusal refusal;

    private ConnectGuard() {
    }

    /** What happens to a destination nobody decided: the exception, the count, the log line. */
    public interface Refusal {
        /**
         * @param datagram whether it was a datagram sent (else a TCP or UDP connect)
         * @return the exception the connect or send throws; nothing was sent
         */
        IOException refused(InetAddress address, int port, boolean datagram);
    }

    /** Arms the guard ({@code refusal} non-null) or disarms it (a failed installation). */
    public static void install(Refusal guard) {
        refusal = guard;
    }

    /**
     * The router decided that the JDK itself connects (or sends) to {@code destination} on this thread, right after
     * this call: the guard lets that connect through.
     */
    public static void permit(InetSocketAddress destination) {
        PERMIT.set(destination);
    }

    /** The prologue of {@code Net.connect(ProtocolFamily, FileDescriptor, InetAddress, int)}. */
    public static void connect(InetAddress address, int port) throws IOException {
        NameDispatcher.checkDirect(address);
        Refusal r = refusal;
        if (r == null || address == null || decided(address, port, true)) {
            return;
        }
        throw r.refused(address, port, false);
    }

    /** The prologue of {@code DatagramChannelImpl.send(FileDescriptor, ByteBuffer, InetSocketAddress)}. */
    public static void send(InetSocketAddress target) throws IOException {
        NameDispatcher.checkDirect(target);
        Refusal r = refusal;
        if (r == null || target == null || target.getAddress() == null
                || decided(target.getAddress(), target.getPort(), false)) {
            return;
        }
        throw r.refused(target.getAddress(), target.getPort(), true);
    }

    private static boolean decided(InetAddress address, int port, boolean useUp) {
        if (!Dispatcher.routing()) {
            return true;
        }
        InetSocketAddress p = PERMIT.get();
        if (p != null && p.getPort() == port) {
            InetAddress permitted = p.getAddress();
            // The JDK connects to the local host for a wildcard destination.
            if (permitted != null && (permitted.equals(address) || permitted.isAnyLocalAddress())) {
                if (useUp) {
                    PERMIT.set(null);
                }
                return true;
            }
        }
        return ChannelDispatcher.inDirectScope() || ServerThreads.current() || UdpGuard.inside()
                || KdcTraffic.current();
    }
}
