package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A SOCKS5 UDP association (RFC 1928 section 7): the TCP control connection that keeps it alive, the relay to send
 * datagrams to, and the header every datagram carries.
 * <pre>
 * +-----+------+------+----------+----------+----------+
 * | RSV | FRAG | ATYP | DST.ADDR | DST.PORT |   DATA   |
 * +-----+------+------+----------+----------+----------+
 * |  2  |  1   |  1   | Variable |    2     | Variable |
 * +-----+------+------+----------+----------+----------+
 * </pre>
 * <ul>
 * <li>The request's {@code DST} is the address the client's UDP socket sends from: its own address, or, when it is
 *     bound to a wildcard, the local address of the control connection with the socket's port; all zeros when
 *     unknown. Never the destination: servers such as Dante check the field against the datagrams' source.</li>
 * <li>The relay is the reply's {@code BND}, a wildcard ({@code 0.0.0.0}, {@code ::}) replaced by the proxy's address,
 *     a domain resolved here; a caller may override it (a proxy behind NAT reports an address it cannot be reached
 *     at).</li>
 * <li>The association dies with the control connection: {@link #isOpen()} checks it without blocking,
 *     {@link #onClose(Runnable)} is called when the proxy closes it (one shared thread watches every association),
 *     {@link #close()} ends it.</li>
 * <li>{@link #unwrap} returns null for fragments ({@code FRAG} != 0), which must be dropped, and takes a domain
 *     {@code ATYP} as the source of a reply.</li>
 * <li>When the control connection negotiated GSS-API (RFC 1961) at integrity or confidentiality, every datagram
 *     both ways is the header and payload as one {@code MTYP} 3 message ({@link GssapiProtection#wrapDatagram}):
 *     {@link #wrap} wraps, {@link #unwrapReceived} verifies and unwraps (a datagram that does not verify is a
 *     {@link SocksProtocolException}, to be dropped), and {@link #maxPayload} counts the token's overhead. Nothing
 *     is ever sent unwrapped through such an association.</li>
 * </ul>
 */
public final class UdpAssociation implements Closeable {
    /** The largest UDP payload over IPv4 (65535 - 20 bytes of IP header - 8 of UDP header). */
    public static final int MAX_IPV4_DATAGRAM = 65_507;
    /** The largest UDP payload over IPv6 without jumbograms (65535 - 8 of UDP header). */
    public static final int MAX_IPV6_DATAGRAM = 65_527;

    private final SocksProxy proxy;
    private final SocketChannel control;
    private final InetSocketAddress requestedAddress;
    private final InetSocketAddress reportedRelay;
    private final InetSocketAddress relay;
    /** The GSS-API protection at integrity or confidentiality, else null (no method, or level clear). */
    private final GssapiProtection protection;
    /** The most plain octets (header and payload) one protected datagram carries; 0 without protection. */
    private final int maxProtectedPlain;
    private final Socks5AuthMethod method;
    private final Object lock = new Object();
    private final List<Runnable> listeners = new ArrayList<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(64);
    private boolean closed;
    private boolean watched;

    UdpAssociation(SocksProxy proxy, SocketChannel control, InetSocketAddress requestedAddress,
            InetSocketAddress reportedRelay, InetSocketAddress relay, Socks5AuthMethod method,
            GssapiProtection protection) throws IOException {
        this.proxy = proxy;
        this.control = control;
        this.requestedAddress = requestedAddress;
        this.reportedRelay = reportedRelay;
        this.relay = relay;
        this.method = method;
        this.protection = protection != null && protection.level().encapsulates() ? protection : null;
        this.maxProtectedPlain = this.protection == null ? 0 : this.protection.maxDatagramPlain(maxToRelay());
    }

    /**
     * Opens the control connection and associates.
     *
     * @param clientUdpAddress the local address of the UDP socket that will send the datagrams, or null if unknown
     * @param timeoutMillis the time for connecting to the proxy and the handshake, more than 0
     * @throws SocksConnectException with {@code COMMAND_NOT_SUPPORTED} if the proxy has no UDP (SOCKS4, microsocks,
     *                               {@code ssh -D}); the other failures as its table says
     */
    public static UdpAssociation open(SocksProxy proxy, InetSocketAddress clientUdpAddress, int timeoutMillis)
            throws IOException {
        return open(proxy, clientUdpAddress, null, timeoutMillis);
    }

    /**
     * @param relayOverride where to send datagrams instead of the relay the proxy reports, or null
     */
    public static UdpAssociation open(SocksProxy proxy, InetSocketAddress clientUdpAddress,
            InetSocketAddress relayOverride, int timeoutMillis) throws IOException {
        Objects.requireNonNull(proxy, "proxy");
        long deadline = SocksClient.deadline(timeoutMillis);
        // Refuse SOCKS4 before connecting anywhere.
        SocksClientHandshake.udpAssociate(proxy, null);
        InetSocketAddress proxyAddress = SocksClient.resolve(proxy);
        SocketChannel control = SocketChannel.open();
        try {
            long remaining = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            try {
                control.socket().connect(proxyAddress, (int) Math.min(Integer.MAX_VALUE, remaining));
            } catch (IOException e) {
                throw SocksClient.rethrowNamingProxy(proxy, e);
            }
            InetSocketAddress local = (InetSocketAddress) control.getLocalAddress();
            InetSocketAddress requested = requestAddress(clientUdpAddress, local.getAddress());
            // The control connection carries nothing after the reply, and the datagrams are wrapped here.
            SocksClientHandshake handshake = SocksClientHandshake.udpAssociate(proxy, requested).wrapsDataPath();
            java.net.Socket socket = control.socket();
            SocksHandshake.run(handshake, socket.getInputStream(), socket.getOutputStream(), socket::setSoTimeout,
                    deadline);
            socket.setSoTimeout(0);
            InetSocketAddress reported = handshake.boundAddress();
            InetSocketAddress relay = relayOverride != null ? relayOverride
                    : relay(reported, proxyAddress.getAddress(), handshake.context());
            control.configureBlocking(false);
            return new UdpAssociation(proxy, control, requested, reported, relay, handshake.selectedMethod(),
                    handshake.gssapiProtection());
        } catch (IOException | RuntimeException e) {
            SocksClient.closeQuietly(control, e);
            throw e;
        }
    }

    /** The {@code DST} of the request: see the class description; null means all zeros. */
    static InetSocketAddress requestAddress(InetSocketAddress client, InetAddress controlLocal) {
        if (client == null || client.isUnresolved() || client.getPort() == 0) {
            return null;
        }
        if (client.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(controlLocal, client.getPort());
        }
        return client;
    }

    private static InetSocketAddress relay(InetSocketAddress reported, InetAddress proxyAddress, String context)
            throws UnknownHostException {
        if (reported.isUnresolved()) {
            InetSocketAddress resolved = new InetSocketAddress(reported.getHostString(), reported.getPort());
            if (resolved.isUnresolved()) {
                throw new UnknownHostException(context + ": cannot resolve the relay address " + reported.getHostString()
                        + " that the proxy reported");
            }
            return resolved;
        }
        return SocksClientHandshake.replaceWildcard(reported, proxyAddress);
    }

    public SocksProxy proxy() {
        return proxy;
    }

    /** @return where to send datagrams: the override, or the reported relay with a wildcard replaced */
    public InetSocketAddress relayAddress() {
        return relay;
    }

    /** @return the reply's {@code BND} exactly as the proxy sent it */
    public InetSocketAddress reportedRelayAddress() {
        return reportedRelay;
    }

    /** @return the {@code DST} sent in the request, or null if all zeros were sent */
    public InetSocketAddress requestedClientAddress() {
        return requestedAddress;
    }

    /** @return the method the proxy selected for the control connection (UDP ASSOCIATE is SOCKS5 only: one is) */
    public Socks5AuthMethod authMethod() {
        return method;
    }

    /**
     * @return the GSS-API protection every datagram goes through (integrity or confidentiality), or null when
     *         datagrams travel as they are (another method, or GSS-API at level clear)
     */
    public GssapiProtection protection() {
        return protection;
    }

    /** @return whether {@code source} is the relay, the only sender whose datagrams belong to this association */
    public boolean isFromRelay(SocketAddress source) {
        return relay.equals(source);
    }

    /** @return the header's length for {@code destination}: 10 (IPv4), 22 (IPv6) or 7 + length (host name) */
    public static int headerLength(InetSocketAddress destination) throws UnknownHostException {
        return 3 + socksAddress(destination).encodedLength();
    }

    /**
     * @return the largest payload that can be sent to {@code destination}: what fits in one datagram to the relay
     *         after the header (with protection: in one token, itself in one datagram), and in one datagram from the
     *         relay to the destination
     */
    public int maxPayload(InetSocketAddress destination) throws UnknownHostException {
        int header = headerLength(destination);
        int toRelay = (protection != null ? maxProtectedPlain : maxToRelay()) - header;
        boolean ipv6Destination = !destination.isUnresolved() && !(destination.getAddress() instanceof Inet4Address);
        return Math.min(toRelay, ipv6Destination ? MAX_IPV6_DATAGRAM : MAX_IPV4_DATAGRAM);
    }

    /** The largest datagram to the relay: over IPv4 or IPv6. */
    private int maxToRelay() {
        return relay.getAddress() instanceof Inet4Address ? MAX_IPV4_DATAGRAM : MAX_IPV6_DATAGRAM;
    }

    /**
     * @return the room {@link #wrap(InetSocketAddress, ByteBuffer, ByteBuffer)} needs for a payload of
     *         {@code payload} octets: header and payload, or with protection the largest datagram to the relay (a
     *         token's length is known only once wrapped)
     */
    public int datagramCapacity(InetSocketAddress destination, int payload) throws UnknownHostException {
        return protection != null ? maxToRelay() : headerLength(destination) + payload;
    }

    /**
     * @return a datagram for the relay: the header for {@code destination} (a host name stays a name for the proxy
     *         to resolve) followed by the payload; with protection, both as one {@code MTYP} 3 message
     * @throws SocketException if the payload exceeds {@link #maxPayload}
     */
    public byte[] wrap(InetSocketAddress destination, byte[] payload, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, payload.length);
        ByteBuffer out = ByteBuffer.allocate(datagramCapacity(destination, length));
        wrap(destination, ByteBuffer.wrap(payload, offset, length), out);
        // Exactly full without protection; a token's length is known only now.
        return out.position() == out.capacity() ? out.array() : java.util.Arrays.copyOf(out.array(), out.position());
    }

    /**
     * Writes the datagram for {@code destination} into {@code out}: the header and the remaining bytes of
     * {@code payload}, or with protection both as one {@code MTYP} 3 message. {@code out} needs
     * {@link #datagramCapacity} octets; {@code payload} is consumed.
     *
     * @throws SocketException if the payload exceeds {@link #maxPayload}; nothing was written
     */
    public void wrap(InetSocketAddress destination, ByteBuffer payload, ByteBuffer out) throws IOException {
        int max = maxPayload(destination);
        if (payload.remaining() > max) {
            throw new SocketException(proxy + " => UDP " + destination + ": payload of " + payload.remaining()
                    + " bytes is larger than the " + max + " bytes that fit in a datagram after the SOCKS5 header"
                    + (protection == null ? "" : " in one GSS-API "
                    + protection.level().name().toLowerCase(java.util.Locale.ROOT) + " token"));
        }
        Socks5UdpHeader header = Socks5UdpHeader.of(socksAddress(destination));
        if (protection == null) {
            header.encode(out);
            out.put(payload);
            return;
        }
        ByteBuffer plain = ByteBuffer.allocate(headerLength(destination) + payload.remaining());
        header.encode(plain);
        plain.put(payload);
        out.put(protection.wrapDatagram(plain.array()));
    }

    /**
     * Reads a datagram from the relay, leaving {@code datagram}'s position at the payload: with protection, its one
     * {@code MTYP} 3 message is verified and unwrapped first, and the plain header and payload replace it in
     * {@code datagram} (which must be writable) from its position on.
     *
     * @return the address the payload came from, or null for a fragment, which must be dropped
     * @throws SocksProtocolException for a malformed header, or a datagram that is not one {@code MTYP} 3 message
     *                                that verifies; the datagram should be dropped
     */
    public InetSocketAddress unwrapReceived(ByteBuffer datagram) throws SocksProtocolException {
        if (protection == null) {
            return unwrap(datagram);
        }
        int start = datagram.position();
        byte[] plain;
        try {
            plain = protection.unwrapDatagram(datagram);
        } catch (SocksProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw new SocksProtocolException("GSS-API UDP datagram: " + e.getMessage(), e);
        }
        datagram.limit(start + plain.length).position(start);
        datagram.put(plain).position(start);
        return unwrap(datagram);
    }

    /**
     * Reads the header of a datagram from the relay, leaving {@code datagram}'s position at the payload.
     *
     * @return the address the payload came from (unresolved for a domain {@code ATYP}), or null for a fragment
     *         ({@code FRAG} != 0), which must be dropped
     * @throws SocksProtocolException for a malformed header; the datagram should be dropped
     */
    public static InetSocketAddress unwrap(ByteBuffer datagram) throws SocksProtocolException {
        Socks5UdpHeader header = Socks5UdpHeader.decode(datagram);
        if (header.isFragment()) {
            return null;
        }
        return header.address().toInetSocketAddress();
    }

    /** A datagram from the relay: where it came from and its payload. */
    public record Datagram(InetSocketAddress source, byte[] payload) {
    }

    /** @return the datagram's source and payload, or null for a fragment, which must be dropped */
    public static Datagram unwrap(byte[] datagram, int offset, int length) throws SocksProtocolException {
        ByteBuffer in = ByteBuffer.wrap(datagram, offset, length);
        InetSocketAddress source = unwrap(in);
        if (source == null) {
            return null;
        }
        byte[] payload = new byte[in.remaining()];
        in.get(payload);
        return new Datagram(source, payload);
    }

    private static SocksAddress socksAddress(InetSocketAddress destination) throws UnknownHostException {
        try {
            return SocksAddress.of(destination);
        } catch (IllegalArgumentException e) {
            throw new UnknownHostException(destination.getHostString() + ": " + e.getMessage());
        }
    }

    /**
     * Checks without blocking whether the control connection is still open: a closed association must not be used
     * (the proxy no longer relays).
     */
    public boolean isOpen() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
        }
        boolean ended;
        try {
            synchronized (scratch) {
                int n;
                do {
                    scratch.clear();
                    n = control.read(scratch);
                } while (n > 0);
                ended = n < 0;
            }
        } catch (IOException e) {
            ended = true;
        }
        if (ended) {
            end();
            return false;
        }
        return true;
    }

    /**
     * Calls {@code listener} once when the association ends: the proxy closed the control connection (noticed by
     * one thread shared by all associations) or {@link #close()} was called. If it has ended already, calls it now.
     */
    public void onClose(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        boolean now;
        boolean watch = false;
        synchronized (lock) {
            now = closed;
            if (!now) {
                listeners.add(listener);
                watch = !watched;
                watched = true;
            }
        }
        if (now) {
            listener.run();
        } else if (watch) {
            ControlConnectionWatcher.get().watch(control, this::end);
        }
    }

    /** Closes the control connection, which ends the association at the proxy. */
    @Override
    public void close() {
        end();
    }

    private void end() {
        List<Runnable> toRun;
        boolean wasWatched;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            wasWatched = watched;
            toRun = new ArrayList<>(listeners);
            listeners.clear();
        }
        try {
            control.close();
        } catch (IOException e) {
            // Nothing to do: the association is over either way.
        }
        if (wasWatched) {
            // A channel registered with a selector keeps its socket until the selector flushes the cancelled key.
            ControlConnectionWatcher.get().wakeup();
        }
        for (Runnable r : toRun) {
            r.run();
        }
    }

    @Override
    public String toString() {
        return "UdpAssociation[" + proxy + ", relay " + relay + (closed ? ", closed" : "") + "]";
    }
}
