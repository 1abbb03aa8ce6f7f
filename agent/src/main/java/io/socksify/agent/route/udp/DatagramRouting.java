package io.socksify.agent.route.udp;

import io.socksify.agent.route.JavaBaseAccess;
import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.ConnectGuard;
import io.socksify.agent.bootstrap.udp.DatagramConnector;
import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.bootstrap.ImplFactoryGuard;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.bootstrap.udp.DatagramDispatcher;
import io.socksify.agent.bootstrap.udp.UdpGuard;
import io.socksify.agent.config.UdpMode;
import io.socksify.agent.route.Route;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.Routing;
import io.socksify.agent.route.Hops;
import io.socksify.agent.config.Chain;
import io.socksify.agent.config.Hop;
import java.util.List;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.client.UdpAssociation;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.IOException;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.lang.ref.ReferenceQueue;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.DatagramChannel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Routes datagrams through the proxy's UDP relay (RFC 1928 section 7). {@code agent/UDP-DESIGN.md} explains it; in
 * short: each channel gets one {@link UdpAssociation} on its first datagram to a proxied destination, whose control
 * connection lives until the channel closes; datagrams go to the relay from the channel's own socket with the SOCKS
 * header in front; datagrams come in through the JDK's own receive into a scratch buffer, and only the relay's are
 * unwrapped and reported as from their real sender. A connected channel's socket is connected to the relay (so the
 * kernel drops everyone else), while the channel reports the destination.
 */
public final class DatagramRouting implements DatagramConnector {
    /** The longest SOCKS5 UDP header: RSV(2) FRAG(1) ATYP(1) a 255-byte name with its length (256) PORT(2). */
    static final int MAX_HEADER = 262;
    private static final int MAX_DATAGRAM = 65_535;
    // A class rather than withInitial(Scratch::new): a method reference would spin a class at start-up.
    private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private static DatagramRouting installed;

    private final JdkDatagrams jdk;
    // Weak keys: a channel the application drops without closing must not be kept alive by socksify.
    private final Map<DatagramChannel, UdpChannel> channels = Collections.synchronizedMap(new WeakHashMap<>());
    private final ReferenceQueue<DatagramChannel> abandoned = new ReferenceQueue<>();
    // Keeps the weak references themselves reachable until they are enqueued or the channel closes.
    private final Set<UdpChannel.Abandoned> watched = Collections.synchronizedSet(
            Collections.newSetFromMap(new IdentityHashMap<>()));

    private DatagramRouting() throws ReflectiveOperationException {
        this.jdk = new JdkDatagrams();
    }

    /**
     * Installs UDP routing (the dispatcher the prologues call), or hands a new configuration to the installed one.
     *
     * @throws IllegalStateException when this JDK's {@code DatagramSocket} would not run on a channel (the legacy
     *                               implementation of JDK 17, {@code -Djdk.net.usePlainDatagramSocketImpl}) and UDP
     *                               is not {@code udp=direct}: its datagrams could not be routed, so the JVM must
     *                               not run
     * @param datagramSocketLoaded whether the JVM has loaded {@code java.net.DatagramSocket}: if not (a JVM starting),
     *                             no {@code DatagramSocketImplFactory} can have been set, and none is looked for
     *                             (looking would load the class)
     */
    public static synchronized void check(Router router, boolean datagramSocketLoaded)
            throws ReflectiveOperationException {
        boolean udpDirect = router.config().udp() == UdpMode.DIRECT;
        if (!udpDirect && legacyDatagramSocket(datagramSocketLoaded)) {
            throw new IllegalStateException("-Djdk.net.usePlainDatagramSocketImpl makes DatagramSocket bypass the"
                    + " channel socksify routes; remove it or set udp=direct");
        }
        if (!udpDirect && datagramSocketLoaded && datagramSocketImplFactory() != null) {
            throw new IllegalStateException("the application set a DatagramSocketImplFactory ("
                    + datagramSocketImplFactory() + "): its datagrams could not be routed; set udp=direct");
        }
        if (installed == null) {
            installed = new DatagramRouting();
        }
    }

    /**
     * The switch's part for UDP, after {@link #check} accepted {@code router} (it cannot fail): new associations use
     * the routing state read per datagram ({@link Routing#current()}), open ones stay as they are.
     */
    public static synchronized void commit(Router router) {
        ImplFactoryGuard.allowDatagramFactory(router.config().udp() == UdpMode.DIRECT);
        DatagramDispatcher.install(installed);
    }

    /**
     * Whether {@code DatagramSocket} runs on the legacy {@code DatagramSocketImpl} of JDK 17 rather than on a channel.
     * JDK 17 decides it once, in {@code DatagramSocket}'s static initializer, from
     * {@code jdk.net.usePlainDatagramSocketImpl} (a system property or {@code net.properties}). When the class is
     * loaded (an attach), the constant it left is the decision itself. While the JVM starts it is not: the system
     * property given at start decides here, and the decision that {@code DatagramSocket} makes later is hooked
     * ({@code ImplFactoryGuard.channelDatagramSocket}: the channel, unless {@code udp=direct}), so a property set at
     * run time or in {@code net.properties} changes nothing. Since JDK 18 there is no legacy implementation.
     */
    private static boolean legacyDatagramSocket(boolean loaded) throws ReflectiveOperationException {
        if (Runtime.version().feature() >= 18) {
            return false;
        }
        if (!loaded) {
            String s = System.getProperty("jdk.net.usePlainDatagramSocketImpl");
            return s != null && (s.isEmpty() || s.equalsIgnoreCase("true"));
        }
        JavaBaseAccess.open();
        Field legacy = Class.forName("java.net.DatagramSocket", true, null)
                .getDeclaredField("USE_PLAINDATAGRAMSOCKET");
        legacy.setAccessible(true); // java.net is open to the agent (JavaBaseAccess)
        return legacy.getBoolean(null);
    }

    /** The application's {@code DatagramSocketImplFactory} (JDK 17 and 25 alike), set before socksify was. */
    private static Object datagramSocketImplFactory() throws ReflectiveOperationException {
        JavaBaseAccess.open();
        Field factory = Class.forName("java.net.DatagramSocket", false, null).getDeclaredField("factory");
        factory.setAccessible(true);
        return factory.get(null);
    }

    // --- send, write ---

    @Override
    public long send(DatagramChannel channel, ByteBuffer src, SocketAddress target) throws IOException {
        if (!(target instanceof InetSocketAddress destination) || !channel.isOpen()) {
            return DatagramDispatcher.PASS_COUNT; // the JDK throws its own exception
        }
        UdpChannel state = channels.get(channel);
        InetSocketAddress remote = jdk.remoteAddress(channel);
        if (state != null && state.routedConnected(remote)) {
            if (!destination.equals(remote)) {
                throw new AlreadyConnectedException();
            }
            return sendWrapped(channel, state, state.connectedTarget(), src, true);
        }
        if (remote != null || direct()) {
            // Connected directly (the JDK checks the target and writes, no send), or udp=direct.
            ConnectGuard.permit(destination);
            return DatagramDispatcher.PASS_COUNT;
        }
        Route route = route(destination);
        if (route.direct()) {
            if (route.target() == destination) {
                ConnectGuard.permit(destination);
                return DatagramDispatcher.PASS_COUNT;
            }
            UdpGuard guard = UdpGuard.enter();
            try {
                return channel.send(src, route.target());
            } finally {
                guard.exit();
            }
        }
        return sendWrapped(channel, associated(channel, destination, route), route.target(), src, false);
    }

    @Override
    public long write(DatagramChannel channel, ByteBuffer src) throws IOException {
        UdpChannel state = routedConnected(channel);
        if (state == null) {
            return DatagramDispatcher.PASS_COUNT;
        }
        return sendWrapped(channel, state, state.connectedTarget(), src, true);
    }

    @Override
    public long write(DatagramChannel channel, ByteBuffer[] srcs, int offset, int length) throws IOException {
        UdpChannel state = routedConnected(channel);
        if (state == null) {
            return DatagramDispatcher.PASS_COUNT;
        }
        java.util.Objects.checkFromIndexSize(offset, length, srcs.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        if (total > MAX_DATAGRAM) {
            throw tooLarge(state, state.connectedTarget(), total);
        }
        ByteBuffer payload = ByteBuffer.allocate((int) total);
        for (int i = offset; i < offset + length; i++) {
            payload.put(srcs[i].duplicate());
        }
        payload.flip();
        long sent = sendWrapped(channel, state, state.connectedTarget(), payload, true);
        if (sent > 0) {
            for (int i = offset; i < offset + length; i++) {
                srcs[i].position(srcs[i].limit());
            }
        }
        return sent;
    }

    /**
     * Sends {@code src}'s remaining bytes to {@code destination} through the relay: header and payload in one
     * datagram from the channel's own socket. All of {@code src} is consumed, or (a non-blocking channel whose socket
     * buffer is full) none of it.
     */
    private long sendWrapped(DatagramChannel channel, UdpChannel state, InetSocketAddress destination, ByteBuffer src,
            boolean connected) throws IOException {
        UdpAssociation association = state.usableAssociation();
        if (association == null) {
            throw new SocketException("socksify: the UDP association of this socket is closed");
        }
        int payload = src.remaining();
        if (payload > association.maxPayload(destination)) {
            throw tooLarge(state, destination, payload);
        }
        // With GSS-API protection the header and payload become one token here: never sent as they are.
        ByteBuffer out = SCRATCH.get().direct(association.datagramCapacity(destination, payload));
        association.wrap(destination, src.duplicate(), out);
        out.flip();
        int n;
        UdpGuard guard = UdpGuard.enter();
        try {
            n = connected ? channel.write(out) : channel.send(out, association.relayAddress());
        } finally {
            guard.exit();
        }
        if (n <= 0) {
            return 0;
        }
        Metrics.UDP_DATAGRAMS_SENT.increment();
        src.position(src.limit());
        return payload;
    }

    private SocketException tooLarge(UdpChannel state, InetSocketAddress destination, long payload)
            throws IOException {
        UdpAssociation a = state.association();
        int max = a == null ? MAX_DATAGRAM : a.maxPayload(destination);
        String token = a == null || a.protection() == null ? ""
                : " in one GSS-API " + a.protection().level().name().toLowerCase(java.util.Locale.ROOT) + " token";
        return new SocketException("socksify: a UDP payload of " + payload + " bytes to " + hostPort(destination)
                + " does not fit in one datagram through the proxy's relay: at most " + max + " bytes fit after the "
                + UdpAssociation.headerLength(destination) + "-byte SOCKS5 header" + token + " (nothing was sent)");
    }

    // --- connect ---

    @Override
    public boolean connect(DatagramChannel channel, SocketAddress remote, boolean check) throws IOException {
        if (!(remote instanceof InetSocketAddress destination) || !channel.isOpen()) {
            return false;
        }
        if (direct()) {
            ConnectGuard.permit(destination);
            return false;
        }
        if (check && channel.isConnected()) {
            throw new AlreadyConnectedException();
        }
        Route route = route(destination);
        if (route.direct()) {
            if (route.target() == destination) {
                ConnectGuard.permit(destination);
                return false;
            }
            UdpGuard guard = UdpGuard.enter();
            try {
                jdk.connect(channel, route.target(), check);
            } finally {
                guard.exit();
            }
            return true;
        }
        UdpChannel state = associated(channel, destination, route);
        UdpAssociation association = state.usableAssociation();
        UdpGuard guard = UdpGuard.enter();
        try {
            jdk.connect(channel, association.relayAddress(), check);
        } finally {
            guard.exit();
        }
        // Ours first: between the two writes the channel must not look connected to the relay through the proxy.
        state.connected(route.target(), route.reported());
        jdk.setRemoteAddress(channel, route.reported());
        Log.get("socksify").debug("udp channel connected to {} via the relay {}", hostPort(route.reported()),
                association.relayAddress());
        return true;
    }

    // --- receive, read ---

    /**
     * The one JDK receive that differs between {@link #receive}, {@link #blockingReceive(DatagramChannel, ByteBuffer,
     * long)} and {@link #blockingReceive(DatagramChannel, DatagramPacket, long)}: constants, so a receive allocates
     * nothing for it (and, unlike lambdas, nothing is bootstrapped while the agent installs).
     */
    private enum RawReceive {
        /** {@code DatagramChannel.receive}: null when a non-blocking channel has nothing. */
        CHANNEL {
            @Override
            SocketAddress receive(DatagramRouting routing, DatagramChannel channel, ByteBuffer scratch, long nanos,
                    DatagramPacket packet) throws IOException {
                return channel.receive(scratch);
            }
        },
        /** JDK 17's adaptor, {@code blockingReceive(ByteBuffer, long)}: null when the channel was closed meanwhile. */
        BUFFER {
            @Override
            SocketAddress receive(DatagramRouting routing, DatagramChannel channel, ByteBuffer scratch, long nanos,
                    DatagramPacket packet) throws IOException {
                return routing.jdk.blockingReceive(channel, scratch, nanos);
            }
        },
        /** JDK 25's adaptor, {@code blockingReceive(DatagramPacket, long)}, into {@code packet} over the scratch. */
        PACKET {
            @Override
            SocketAddress receive(DatagramRouting routing, DatagramChannel channel, ByteBuffer scratch, long nanos,
                    DatagramPacket packet) throws IOException {
                synchronized (packet) {
                    packet.setData(scratch.array(), 0, scratch.limit());
                    routing.jdk.blockingReceive(channel, packet, nanos);
                }
                if (packet.getAddress() == null) {
                    return null; // closed meanwhile, nothing received
                }
                scratch.position(packet.getLength());
                return packet.getSocketAddress();
            }
        };

        /**
         * Receives one datagram into {@code scratch} from its position (0) up to its limit, leaving the position
         * after the datagram.
         *
         * @param packet the packet {@link #PACKET} receives into (over {@code scratch}'s array); else null
         * @return the sender, or null when nothing was received
         */
        abstract SocketAddress receive(DatagramRouting routing, DatagramChannel channel, ByteBuffer scratch,
                long nanos, DatagramPacket packet) throws IOException;
    }

    /**
     * Receives until a datagram socksify lets through ({@link #accept}), within {@code nanos} when positive.
     *
     * @return its sender to report, with {@code scratch} at its payload; null when nothing was received
     */
    private InetSocketAddress receiveAccepted(DatagramChannel channel, ByteBuffer scratch, int capacity, long nanos,
            RawReceive raw, DatagramPacket packet) throws IOException {
        long deadline = nanos > 0 ? System.nanoTime() + nanos : 0;
        while (true) {
            scratch.clear().limit(capacity);
            SocketAddress sender;
            UdpGuard guard = UdpGuard.enter();
            try {
                sender = raw.receive(this, channel, scratch, remaining(nanos, deadline), packet);
            } finally {
                guard.exit();
            }
            if (sender == null) {
                return null;
            }
            scratch.flip();
            InetSocketAddress source = accept(channel, (InetSocketAddress) sender, scratch);
            if (source != null) {
                return source;
            }
            Metrics.UDP_DATAGRAMS_DROPPED.increment();
        }
    }

    @Override
    public Object receive(DatagramChannel channel, ByteBuffer dst) throws IOException {
        if (dst.isReadOnly() || !channel.isOpen() || untouched(channel)) {
            return DatagramDispatcher.PASS;
        }
        int capacity = receiveCapacity(channel, dst.remaining());
        ByteBuffer scratch = SCRATCH.get().direct(capacity);
        InetSocketAddress source = receiveAccepted(channel, scratch, capacity, 0, RawReceive.CHANNEL, null);
        if (source != null) {
            copy(scratch, dst);
        }
        return source;
    }

    @Override
    public Object blockingReceive(DatagramChannel channel, ByteBuffer dst, long nanos) throws IOException {
        if (!channel.isOpen() || untouched(channel)) {
            return DatagramDispatcher.PASS;
        }
        int capacity = receiveCapacity(channel, dst.remaining());
        ByteBuffer scratch = SCRATCH.get().direct(capacity);
        // null: closed meanwhile, the adaptor reports it
        InetSocketAddress source = receiveAccepted(channel, scratch, capacity, nanos, RawReceive.BUFFER, null);
        if (source != null) {
            copy(scratch, dst);
        }
        return source;
    }

    @Override
    public boolean blockingReceive(DatagramChannel channel, DatagramPacket packet, long nanos) throws IOException {
        if (!channel.isOpen() || untouched(channel)) {
            return false;
        }
        int capacity = receiveCapacity(channel, jdk.bufLength(packet));
        ByteBuffer scratch = SCRATCH.get().heap(capacity);
        DatagramPacket raw = new DatagramPacket(scratch.array(), capacity);
        InetSocketAddress source = receiveAccepted(channel, scratch, capacity, nanos, RawReceive.PACKET, raw);
        if (source != null) {
            int length = Math.min(scratch.remaining(), jdk.bufLength(packet));
            scratch.get(packet.getData(), packet.getOffset(), length);
            jdk.setReceivedLength(packet, length);
            packet.setSocketAddress(source);
        }
        // Closed meanwhile, nothing received: the packet stays as it was, as with the JDK.
        return true;
    }

    @Override
    public long read(DatagramChannel channel, ByteBuffer dst) throws IOException {
        return read(channel, new ByteBuffer[] {dst}, 0, 1);
    }

    @Override
    public long read(DatagramChannel channel, ByteBuffer[] dsts, int offset, int length) throws IOException {
        UdpChannel state = routedConnected(channel);
        if (state == null) {
            return DatagramDispatcher.PASS_COUNT;
        }
        java.util.Objects.checkFromIndexSize(offset, length, dsts.length);
        long room = 0;
        for (int i = offset; i < offset + length; i++) {
            room += dsts[i].remaining();
        }
        int capacity = receiveCapacity(channel, (int) Math.min(room, MAX_DATAGRAM));
        ByteBuffer scratch = SCRATCH.get().direct(capacity);
        while (true) {
            scratch.clear().limit(capacity);
            int n;
            UdpGuard guard = UdpGuard.enter();
            try {
                n = channel.read(scratch);
            } finally {
                guard.exit();
            }
            if (n <= 0) {
                return n;
            }
            scratch.flip();
            // The socket is connected to the relay: only the relay's datagrams arrive.
            UdpAssociation association = state.usableAssociation();
            InetSocketAddress source = association == null ? null : unwrap(association, scratch);
            if (source == null || !fromConnectedDestination(state, source)) {
                Metrics.UDP_DATAGRAMS_DROPPED.increment();
                continue;
            }
            Metrics.UDP_DATAGRAMS_RECEIVED.increment();
            long copied = 0;
            for (int i = offset; i < offset + length && scratch.hasRemaining(); i++) {
                copied += copy(scratch, dsts[i]);
            }
            return copied;
        }
    }

    /**
     * Decides what becomes of a datagram the JDK received from {@code sender}; {@code datagram} is left at the
     * payload the application gets.
     *
     * @return the sender to report, or null to drop the datagram
     * @throws SocketException when the proxy has ended the channel's association
     */
    private InetSocketAddress accept(DatagramChannel channel, InetSocketAddress sender, ByteBuffer datagram)
            throws IOException {
        UdpChannel state = channels.get(channel);
        UdpAssociation association = state == null ? null : state.usableAssociation();
        if (association == null) {
            return sender; // nothing of this socket went through the proxy (yet): its datagrams are its own
        }
        if (association.isFromRelay(sender)) {
            InetSocketAddress source = unwrap(association, datagram);
            if (source != null && state.routedConnected(jdk.remoteAddress(channel))
                    && !fromConnectedDestination(state, source)) {
                return null;
            }
            if (source != null) {
                Metrics.UDP_DATAGRAMS_RECEIVED.increment();
            }
            return source;
        }
        if (state.routedConnected(jdk.remoteAddress(channel))) {
            return null; // connected to the relay meanwhile; a datagram queued before
        }
        // Straight from the network: only from a destination socksify would send to directly (a bypass rule).
        try {
            return route(sender).direct() ? sender : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @return the datagram's real sender, or null for a fragment, a malformed header, or (GSS-API protection) a
     *         datagram that is not one token that verifies: dropped, like a datagram from a stranger
     */
    private static InetSocketAddress unwrap(UdpAssociation association, ByteBuffer datagram) {
        try {
            return association.unwrapReceived(datagram);
        } catch (SocksProtocolException e) {
            Log.get("socksify").debug("udp datagram from the relay {} dropped: {}", association.relayAddress(), e.getMessage());
            return null;
        }
    }

    /** A connected channel gets the datagrams of its destination only, as a connected socket would. */
    private static boolean fromConnectedDestination(UdpChannel state, InetSocketAddress source) {
        InetSocketAddress target = state.connectedTarget();
        // A destination sent as a name cannot be compared: the relay reports the address it resolved.
        return target == null || target.isUnresolved() || target.equals(source);
    }

    /**
     * The room to receive into for an application that has {@code room}: its room plus the longest header, as the
     * rest of a longer datagram is discarded anyway; but a whole datagram with GSS-API protection, because a token
     * cut short cannot be verified. A receive that waits while another thread opens the first association uses the
     * room it started with (a protected datagram longer than that is then dropped).
     */
    private int receiveCapacity(DatagramChannel channel, int room) {
        UdpChannel state = channels.get(channel);
        UdpAssociation association = state == null ? null : state.association();
        if (association != null && association.protection() != null) {
            return MAX_DATAGRAM;
        }
        return Math.min(room, MAX_DATAGRAM) + MAX_HEADER;
    }

    /** Copies what fits, the rest of the datagram is discarded as the JDK does. @return bytes copied */
    private static int copy(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        int limit = from.limit();
        from.limit(from.position() + n);
        to.put(from);
        from.limit(limit);
        return n;
    }

    private static long remaining(long nanos, long deadline) throws SocketTimeoutException {
        if (nanos <= 0) {
            return 0;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("Receive timed out");
        }
        return left;
    }

    // --- close ---

    @Override
    public void closed(DatagramChannel channel) {
        UdpChannel state = channels.remove(channel);
        if (state == null) {
            return;
        }
        watched.remove(state.reference);
        UdpAssociation association = state.close();
        if (association != null) {
            association.close();
            Log.get("socksify").debug("udp association via {} closed with its socket", association.relayAddress());
        }
    }

    // --- associations ---

    /**
     * @return the channel's state with an open association: opened now on first use (after binding the channel, so
     *         that the request can name the address it sends from)
     * @throws SocketException when the proxy cannot relay UDP (no UDP, unreachable, refused authentication), or ended
     *                         the association; nothing was sent directly
     */
    private UdpChannel associated(DatagramChannel channel, InetSocketAddress destination, Route route)
            throws IOException {
        Router router = Routing.current();
        if (router.config().udp() == UdpMode.BLOCK) {
            throw new SocketException("socksify: UDP to " + hostPort(destination) + " is blocked (udp=block);"
                    + " nothing was sent");
        }
        if (!destination.isUnresolved() && destination.getAddress().isMulticastAddress()) {
            throw new SocketException("socksify: cannot send to the multicast group " + hostPort(destination)
                    + " through a SOCKS proxy (add it to bypass to send it directly); nothing was sent");
        }
        UdpChannel state = channels.get(channel);
        if (state == null) {
            expungeAbandoned();
            synchronized (channels) {
                state = channels.get(channel);
                if (state == null) {
                    state = new UdpChannel(channel, abandoned);
                    watched.add(state.reference);
                    channels.put(channel, state);
                }
            }
        }
        if (state.usableAssociation() != null) {
            return sameProxy(state, route, destination);
        }
        synchronized (state.lock) {
            if (state.usableAssociation() != null) {
                return sameProxy(state, route, destination);
            }
            Hop hop = udpHop(router, route, destination);
            SocksProxy proxy = hop.proxy();
            if (state.closed()) {
                throw new java.nio.channels.ClosedChannelException();
            }
            if (channel.getLocalAddress() == null) {
                channel.bind(null);
            }
            InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
            UdpAssociation association;
            try {
                association = UdpAssociation.open(proxy, local, router.config().connectTimeoutMillis());
            } catch (IOException e) {
                markUnreachable(router, hop, e);
                SocketException failure = new SocketException("socksify: cannot send UDP to "
                        + hostPort(destination) + " through proxy " + proxy + ": " + e.getMessage()
                        + " (nothing was sent directly)");
                failure.initCause(e);
                Log.get("socksify").debug("udp {} -> refused: {}", hostPort(destination), failure.getMessage());
                Metrics.failed("UDP association: " + e.getClass().getSimpleName());
                throw failure;
            }
            state.hop = hop;
            Hops.succeeded(router, new Chain(List.of(hop)));
            if (!state.setAssociation(association)) {
                association.close();
                throw new java.nio.channels.ClosedChannelException();
            }
            UdpChannel s = state;
            association.onClose(() -> {
                if (!s.closed()) {
                    s.endedByProxy("socksify: proxy " + proxy + " closed the control connection of this socket's"
                            + " UDP association, so the socket can no longer send or receive through its relay"
                            + " (nothing is sent directly)");
                    Log.get("socksify").debug("udp association via {} ended by the proxy", association.relayAddress());
                }
            });
            Metrics.UDP_ASSOCIATIONS.increment();
            Hops.authenticated(association.authMethod());
            Log.get("socksify").debug("udp association for {} via {} (relay {}, first destination {})", local, proxy,
                    association.relayAddress(), hostPort(destination));
            return state;
        }
    }

    /** Closes the associations of channels the application dropped without closing them. */
    private void expungeAbandoned() {
        Reference<? extends DatagramChannel> r;
        while ((r = abandoned.poll()) != null) {
            UdpChannel.Abandoned a = (UdpChannel.Abandoned) r;
            watched.remove(a);
            UdpAssociation association = a.state.close();
            if (association != null) {
                association.close();
            }
        }
    }

    /** @return the channel's state when it is connected through the proxy, else null */
    private UdpChannel routedConnected(DatagramChannel channel) {
        UdpChannel state = channels.get(channel);
        return state != null && state.routedConnected(jdk.remoteAddress(channel)) ? state : null;
    }

    /**
     * Whether the JDK's own receive is right as it is: the channel is connected to a destination directly (a bypass
     * rule: the kernel filters), or it has no association and with {@code udp=direct} will never get one.
     * Otherwise the receive goes through a scratch buffer even before the first association: another thread may open
     * one while this receive waits, and the relay's datagram must then be unwrapped.
     */
    private boolean untouched(DatagramChannel channel) {
        InetSocketAddress remote = jdk.remoteAddress(channel);
        UdpChannel state = channels.get(channel);
        if (remote == null) {
            return state == null && direct();
        }
        return state == null || !state.routedConnected(remote);
    }

    /** udp=direct, or routing switched off by {@code attach <pid> off}: sockets without an association go direct. */
    private boolean direct() {
        return !Dispatcher.routing() || Routing.current().config().udp() == UdpMode.DIRECT;
    }

    /**
     * @return the proxy to open a UDP association with for {@code route}: the first live alternative of its group
     * @throws SocketException when the route is a chain (SOCKS UDP relays cannot be chained)
     */
    private static Hop udpHop(Router router, Route route, InetSocketAddress destination) throws SocketException {
        for (Chain chain : route.via().alternatives()) {
            if (chain.size() > 1) {
                throw new SocketException("socksify: UDP to " + hostPort(destination) + " routes via the chain "
                        + chain + (route.rule() == null ? "" : " (" + route.rule() + ")") + ", and SOCKS UDP"
                        + " relays cannot be chained; nothing was sent (route it direct or through one proxy)");
            }
        }
        return router.order(route.via()).get(0).first();
    }

    /** A channel has one association: a destination routed through another proxy cannot use it. */
    private static UdpChannel sameProxy(UdpChannel state, Route route, InetSocketAddress destination)
            throws SocketException {
        Hop hop = state.hop;
        if (hop == null) {
            return state;
        }
        for (Chain chain : route.via().alternatives()) {
            if (chain.size() == 1 && chain.first().text().equals(hop.text())) {
                return state;
            }
        }
        throw new SocketException("socksify: this socket's UDP association is with " + hop + ", but "
                + hostPort(destination) + " routes via " + route.via() + "; nothing was sent (use one socket per"
                + " proxy)");
    }

    private static void markUnreachable(Router router, Hop hop, IOException e) {
        if (e instanceof java.net.ConnectException && !(e instanceof io.socksify.protocol.client.SocksConnectException)
                || e instanceof SocketTimeoutException || e instanceof java.net.NoRouteToHostException) {
            Hops.unreachable(router, new Chain(List.of(hop)), e, hop.proxy().address());
        }
    }

    private Route route(InetSocketAddress destination) throws IOException {
        Route route = Routing.current().route(destination);
        if (route.direct() && Log.get("socksify").isTraceEnabled()) {
            Log.get("socksify").trace("udp {} -> direct ({})", hostPort(destination), route.reason());
        }
        return route;
    }

    private static String hostPort(InetSocketAddress a) {
        return Printable.address(a);
    }

    /** Per-thread buffers, grown to what a datagram needs (at most 64 KiB plus a header). */
    private static final class Scratch {
        private ByteBuffer direct = ByteBuffer.allocateDirect(2048);
        private ByteBuffer heap = ByteBuffer.allocate(0);

        ByteBuffer direct(int capacity) {
            if (direct.capacity() < capacity) {
                direct = ByteBuffer.allocateDirect(Math.max(capacity, Math.min(2 * direct.capacity(),
                        MAX_DATAGRAM + MAX_HEADER)));
            }
            direct.clear().limit(capacity);
            return direct;
        }

        /** A heap buffer (its {@code array()} for a {@code DatagramPacket}) of at least {@code capacity}. */
        ByteBuffer heap(int capacity) {
            if (heap.capacity() < capacity) {
                heap = ByteBuffer.allocate(capacity);
            }
            heap.clear().limit(capacity);
            return heap;
        }
    }
}
