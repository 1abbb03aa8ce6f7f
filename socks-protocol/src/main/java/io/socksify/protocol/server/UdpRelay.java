package io.socksify.protocol.server;

import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The UDP side of one UDP ASSOCIATE (RFC 1928 section 7), owned by its {@link Session}: it lives exactly as long as
 * the control connection.
 *
 * <p>Two sockets: the client side, bound to the control connection's local address (never the wildcard), which
 * accepts datagrams only from the client's IP address (always the control connection's) and port; and the target
 * side, bound to the outgoing address (or an ephemeral wildcard one), which accepts replies only from destinations
 * the client has sent to. Fragments ({@code FRAG != 0}) and malformed headers are dropped. A datagram to the client
 * carries its real sender as an IP {@code ATYP}.
 *
 * <p>The client's port is the request's {@code DST.PORT} only when {@code DST.ADDR} is the client's own IP or all
 * zeros; many clients wrongly send the destination there (socks-notes pitfall 1), so otherwise the first port seen
 * is pinned.
 *
 * <p>One datagram that cannot be delivered (a broadcast or reserved destination, one too long for the client once
 * the header is added, an unreachable network) is dropped and counted; only a failure of a socket itself ends the
 * association. Drops are logged at {@code DEBUG}.
 */
final class UdpRelay {
    /** Room before the payload for the longest IP header: RSV(2) FRAG(1) ATYP(1) IPv6(16) PORT(2). */
    private static final int HEADER_ROOM = 22;
    private static final int MAX_DATAGRAM = 65_535;
    /** The largest UDP payload over IPv4: 65,535 less the IPv4 (20) and UDP (8) headers. */
    static final int MAX_UDP_PAYLOAD_IPV4 = 65_507;
    /** The largest UDP payload over IPv6 without jumbograms: 65,535 less the UDP header (8). */
    static final int MAX_UDP_PAYLOAD_IPV6 = 65_527;
    /** Datagrams held per association while their destination's name is looked up. */
    private static final int MAX_PENDING = 64;
    private static final System.Logger LOG = System.getLogger(SocksServer.class.getName());
    /** Datagrams handled per readiness event, so one busy association cannot starve the loop. */
    private static final int BATCH = 64;
    private static final int MAX_PEERS = 256;
    private static final int MAX_NAMES = 64;

    private final Session session;
    private final DatagramChannel clientSide;
    private final DatagramChannel targetSide;
    private final SelectionKey clientKey;
    private final SelectionKey targetKey;
    private final InetAddress clientIp;
    private int clientPort;
    private InetSocketAddress clientUdpAddress;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(HEADER_ROOM + MAX_DATAGRAM);
    /** Destinations the client sent to: the only sources whose datagrams go back to it. */
    private final Map<InetSocketAddress, Boolean> peers = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Boolean> eldest) {
            return size() > MAX_PEERS;
        }
    };
    private final Map<String, InetAddress> names = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, InetAddress> eldest) {
            return size() > MAX_NAMES;
        }
    };
    /** Datagrams waiting for a name lookup, per name. */
    private final Map<String, ArrayDeque<Pending>> pending = new HashMap<>();
    private int pendingCount;
    private InetSocketAddress lastSender;
    private Socks5UdpHeader lastSenderHeader;
    long dropped;
    private boolean closed;
    /** With GSS-API at integrity or confidentiality: every datagram to and from the client is wrapped. */
    private final GssapiProtection protection;

    private record Pending(byte[] payload, int port) {
    }

    /**
     * @param requested the request's {@code DST}: the address and port the client says it sends from
     */
    UdpRelay(Session session, InetSocketAddress controlLocal, InetAddress clientIp, SocksAddress requested)
            throws IOException {
        this.session = session;
        this.protection = session.framing == null ? null : session.framing.protection();
        this.clientIp = clientIp;
        this.clientPort = requestedClientPort(clientIp, requested);
        DatagramChannel c = null;
        DatagramChannel t = null;
        try {
            c = DatagramChannel.open(family(controlLocal.getAddress()));
            c.bind(new InetSocketAddress(controlLocal.getAddress(), 0));
            c.configureBlocking(false);
            InetAddress outgoing = session.server.config.outgoingAddress;
            if (outgoing != null) {
                t = DatagramChannel.open(family(outgoing));
                t.bind(new InetSocketAddress(outgoing, 0));
            } else {
                t = DatagramChannel.open();
                t.bind(null);
            }
            t.configureBlocking(false);
            this.clientKey = c.register(session.loop.selector, SelectionKey.OP_READ, session);
            this.targetKey = t.register(session.loop.selector, SelectionKey.OP_READ, session);
        } catch (IOException | RuntimeException e) {
            SocksServer.closeQuietly(c);
            SocksServer.closeQuietly(t);
            throw e;
        }
        this.clientSide = c;
        this.targetSide = t;
    }

    /** @return {@code DST.PORT} if {@code DST.ADDR} names the client (or is all zeros), else 0: pin the first seen */
    static int requestedClientPort(InetAddress clientIp, SocksAddress requested) {
        if (requested == null || requested.isDomain()) {
            return 0;
        }
        return requested.isWildcard() || requested.ip().equals(clientIp) ? requested.port() : 0;
    }

    private static StandardProtocolFamily family(InetAddress a) {
        return a instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    /** @return where the client sends its datagrams: {@code BND} of the reply */
    InetSocketAddress clientSideAddress() throws IOException {
        return (InetSocketAddress) clientSide.getLocalAddress();
    }

    void ready(SelectionKey key) throws IOException {
        if (key == clientKey) {
            fromClient();
        } else if (key == targetKey) {
            fromTargets();
        }
    }

    private void fromClient() throws IOException {
        for (int i = 0; i < BATCH && !closed; i++) {
            buffer.clear();
            SocketAddress source = clientSide.receive(buffer);
            if (source == null) {
                return;
            }
            InetSocketAddress from = (InetSocketAddress) source;
            if (!from.getAddress().equals(clientIp) || (clientPort != 0 && from.getPort() != clientPort)) {
                drop(() -> "from " + from + ", not the client " + clientIp.getHostAddress() + ":"
                        + (clientPort != 0 ? clientPort : "*"));
                continue;
            }
            buffer.flip();
            ByteBuffer datagram = buffer;
            if (protection != null) {
                // RFC 1961 section 5: one datagram is one MTYP 3 message; its token holds header and payload.
                try {
                    datagram = ByteBuffer.wrap(protection.unwrapDatagram(buffer));
                } catch (IOException e) {
                    drop(() -> "from the client: not an RFC 1961 MTYP 3 message that verifies: " + e.getMessage());
                    continue;
                }
            }
            // Pinned only now: with protection, by the first datagram that verifies, so that a sender sharing the
            // client's address cannot pin the association to its own port with a datagram that does not.
            if (clientPort == 0) {
                clientPort = from.getPort();
            }
            if (clientUdpAddress == null) {
                clientUdpAddress = from;
            }
            Socks5UdpHeader header;
            try {
                header = Socks5UdpHeader.decode(datagram);
            } catch (SocksProtocolException e) {
                drop(() -> "malformed header from the client: " + e.getMessage());
                continue;
            }
            if (header.isFragment()) {
                drop(() -> "fragment " + header.fragment() + " from the client");
                continue;
            }
            SocksAddress dst = header.address();
            if (!dst.isDomain()) {
                if (session.server.config.addressAllowed(dst.ip())) {
                    send(dst.ip(), dst.port(), datagram);
                } else {
                    drop(() -> "to " + dst + ": not allowed by the rules");
                }
                continue;
            }
            InetAddress known = names.get(dst.domain());
            if (known != null) {
                send(known, dst.port(), datagram);
                continue;
            }
            resolveAndSend(dst, datagram);
        }
    }

    /**
     * A name not seen before: the payload is copied and sent once the name resolves off the loop. Datagrams for a
     * name already being looked up wait for that lookup; see {@link Lookups#lookupForUdp} for the limits.
     */
    private void resolveAndSend(SocksAddress dst, ByteBuffer payload) {
        String name = dst.domain();
        boolean byName = session.server.config.hostAllowed(name);
        if (!byName && !session.server.config.hasNetworkDestinationRules()) {
            drop(() -> "to " + dst + ": not allowed by the rules");
            return;
        }
        if (pendingCount >= MAX_PENDING) {
            drop(() -> "to " + dst + ": " + MAX_PENDING + " datagrams already wait for name lookups");
            return;
        }
        ArrayDeque<Pending> waiting = pending.get(name);
        if (waiting == null) {
            CompletableFuture<InetAddress[]> lookup = session.server.lookups().lookupForUdp(name);
            if (lookup == null) {
                drop(() -> "to " + dst + ": the name failed a moment ago or too many UDP lookups run");
                return;
            }
            waiting = new ArrayDeque<>();
            pending.put(name, waiting);
            lookup.whenComplete((addresses, error) -> session.loop.execute(() -> resolved(name, byName,
                    addresses)));
        }
        byte[] copy = new byte[payload.remaining()];
        payload.get(copy);
        waiting.add(new Pending(copy, dst.port()));
        pendingCount++;
    }

    /** On the loop: sends (or drops) every datagram that waited for {@code name}. */
    private void resolved(String name, boolean allowedByName, InetAddress[] addresses) {
        ArrayDeque<Pending> waiting = pending.remove(name);
        if (waiting == null) {
            return;
        }
        pendingCount -= waiting.size();
        if (closed) {
            return;
        }
        InetAddress ip = null;
        if (addresses != null) {
            for (InetAddress a : addresses) {
                if (outgoingFamilyMatches(a)) {
                    ip = a;
                    break;
                }
            }
        }
        if (ip == null || (!allowedByName && !session.server.config.addressAllowed(ip))) {
            boolean unresolved = ip == null;
            for (Pending p : waiting) {
                drop(() -> "to " + name + ":" + p.port() + ": " + (unresolved
                        ? "the name does not resolve (to an address of the outgoing family)"
                        : "not allowed by the rules"));
            }
            return;
        }
        names.put(name, ip);
        try {
            for (Pending p : waiting) {
                send(ip, p.port(), ByteBuffer.wrap(p.payload()));
            }
        } catch (IOException e) {
            session.close("UDP relay: " + e);
        }
    }

    private boolean outgoingFamilyMatches(InetAddress a) {
        InetAddress outgoing = session.server.config.outgoingAddress;
        return outgoing == null || (outgoing instanceof Inet4Address) == (a instanceof Inet4Address);
    }

    /** Sends one datagram to a destination; only a failure of the socket itself is thrown. */
    private void send(InetAddress ip, int port, ByteBuffer payload) throws IOException {
        if (!outgoingFamilyMatches(ip)) {
            drop(() -> "to " + ip.getHostAddress() + ":" + port + ": not of the outgoing address's family");
            return;
        }
        InetSocketAddress to = new InetSocketAddress(ip, port);
        int length = payload.remaining();
        int sent;
        try {
            sent = targetSide.send(payload, to);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            // EACCES for a broadcast address, EINVAL for a reserved one, EMSGSIZE, ENETUNREACH: this datagram only.
            drop(() -> "to " + to + ": " + e);
            return;
        }
        if (sent == 0) {
            drop(() -> "to " + to + ": the socket's send buffer is full");
            return;
        }
        peers.put(to, Boolean.TRUE);
        session.datagramsUp++;
        session.bytesUp += length;
    }

    private void fromTargets() throws IOException {
        for (int i = 0; i < BATCH && !closed; i++) {
            buffer.clear();
            buffer.position(HEADER_ROOM);
            SocketAddress source = targetSide.receive(buffer);
            if (source == null) {
                return;
            }
            InetSocketAddress from = (InetSocketAddress) source;
            if (clientUdpAddress == null || !peers.containsKey(from)) {
                drop(() -> "from " + from + ": not a destination the client sent to");
                continue;
            }
            int end = buffer.position();
            if (!from.equals(lastSender)) {
                lastSender = from;
                lastSenderHeader = Socks5UdpHeader.of(SocksAddress.ofIp(from.getAddress(), from.getPort()));
            }
            int start = HEADER_ROOM - lastSenderHeader.encodedLength();
            int max = clientUdpAddress.getAddress() instanceof Inet4Address ? MAX_UDP_PAYLOAD_IPV4
                    : MAX_UDP_PAYLOAD_IPV6;
            if (end - start > max) {
                int length = end - HEADER_ROOM;
                int header = lastSenderHeader.encodedLength();
                drop(() -> "from " + from + ": " + length + " bytes and a " + header + "-byte header exceed the "
                        + max + " bytes a datagram to the client can carry");
                continue;
            }
            buffer.limit(end).position(start);
            lastSenderHeader.encode(buffer);
            buffer.position(start);
            ByteBuffer datagram = buffer;
            if (protection != null) {
                if (end - start > protection.maxChunk()) {
                    int length = end - start;
                    drop(() -> "from " + from + ": " + length + " bytes with the header exceed the "
                            + protection.maxChunk() + " octets one GSS-API token carries");
                    continue;
                }
                byte[] plain = new byte[end - start];
                buffer.get(plain);
                byte[] wrapped = protection.wrapDatagram(plain);
                if (wrapped.length > max) {
                    drop(() -> "from " + from + ": wrapped, " + wrapped.length + " bytes exceed the " + max
                            + " bytes a datagram to the client can carry");
                    continue;
                }
                datagram = ByteBuffer.wrap(wrapped);
            }
            int sent;
            try {
                sent = clientSide.send(datagram, clientUdpAddress);
            } catch (ClosedChannelException e) {
                throw e;
            } catch (IOException e) {
                drop(() -> "from " + from + " to the client " + clientUdpAddress + ": " + e);
                continue;
            }
            if (sent == 0) {
                drop(() -> "from " + from + ": the client socket's send buffer is full");
                continue;
            }
            session.datagramsDown++;
            session.bytesDown += end - HEADER_ROOM;
        }
    }

    private void drop(Supplier<String> why) {
        dropped++;
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "socksify server: UDP association of " + clientIp.getHostAddress()
                    + " dropped a datagram " + why.get());
        }
    }

    void close() {
        closed = true;
        pending.clear();
        pendingCount = 0;
        SocksServer.closeQuietly(clientSide);
        SocksServer.closeQuietly(targetSide);
    }
}
