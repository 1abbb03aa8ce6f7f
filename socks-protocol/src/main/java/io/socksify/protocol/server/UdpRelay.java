package io.socksify.protocol.server;

import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The UDP side of one UDP ASSOCIATE (RFC 1928 section 7), owned by its {@link Session}: it lives exactly as long as
 * the control connection.
 *
 * <p>Two sockets: the client side, bound to the control connection's local address (never the wildcard), which
 * accepts datagrams only from the client's IP address (and port: the one the request named, or else the first
 * seen); and the target side, bound to the outgoing address (or an ephemeral wildcard one), which accepts replies
 * only from destinations the client has sent to. Fragments ({@code FRAG != 0}) and malformed headers are dropped.
 * A datagram to the client carries its real sender as an IP {@code ATYP}.
 */
final class UdpRelay {
    /** Room before the payload for the longest IP header: RSV(2) FRAG(1) ATYP(1) IPv6(16) PORT(2). */
    private static final int HEADER_ROOM = 22;
    private static final int MAX_DATAGRAM = 65_535;
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
    private InetSocketAddress lastSender;
    private Socks5UdpHeader lastSenderHeader;
    long dropped;
    private boolean closed;

    UdpRelay(Session session, InetSocketAddress controlLocal, InetAddress clientIp, int requestedPort)
            throws IOException {
        this.session = session;
        this.clientIp = clientIp;
        this.clientPort = requestedPort;
        DatagramChannel c = null;
        DatagramChannel t = null;
        try {
            c = DatagramChannel.open(family(controlLocal.getAddress()));
            c.bind(new InetSocketAddress(controlLocal.getAddress(), 0));
            c.configureBlocking(false);
            InetAddress outgoing = session.server.outgoingAddress;
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
                dropped++;
                continue;
            }
            if (clientPort == 0) {
                clientPort = from.getPort();
            }
            if (clientUdpAddress == null) {
                clientUdpAddress = from;
            }
            buffer.flip();
            Socks5UdpHeader header;
            try {
                header = Socks5UdpHeader.decode(buffer);
            } catch (SocksProtocolException e) {
                dropped++;
                continue;
            }
            if (header.isFragment()) {
                dropped++;
                continue;
            }
            SocksAddress dst = header.address();
            if (!dst.isDomain()) {
                if (session.server.addressAllowed(dst.ip())) {
                    send(dst.ip(), dst.port(), buffer);
                } else {
                    dropped++;
                }
                continue;
            }
            InetAddress known = names.get(dst.domain());
            if (known != null) {
                send(known, dst.port(), buffer);
                continue;
            }
            resolveAndSend(dst, buffer);
        }
    }

    /** A name not seen before: the payload is copied and sent once the name resolves off the loop. */
    private void resolveAndSend(SocksAddress dst, ByteBuffer payload) {
        String name = dst.domain();
        boolean byName = session.server.hostAllowed(name);
        if (!byName && !session.server.hasNetworkDestinationRules()) {
            dropped++;
            return;
        }
        byte[] copy = new byte[payload.remaining()];
        payload.get(copy);
        try {
            session.server.resolver().execute(() -> {
                InetAddress ip = null;
                try {
                    for (InetAddress a : InetAddress.getAllByName(name)) {
                        if (outgoingFamilyMatches(a)) {
                            ip = a;
                            break;
                        }
                    }
                } catch (UnknownHostException | SecurityException ignored) {
                    // Dropped below, as an unreachable destination's datagram would be.
                }
                InetAddress resolved = ip;
                session.loop.execute(() -> {
                    if (closed || resolved == null || (!byName && !session.server.addressAllowed(resolved))) {
                        dropped++;
                        return;
                    }
                    names.put(name, resolved);
                    try {
                        send(resolved, dst.port(), ByteBuffer.wrap(copy));
                    } catch (IOException e) {
                        session.close("UDP relay: " + e);
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            dropped++;
        }
    }

    private boolean outgoingFamilyMatches(InetAddress a) {
        InetAddress outgoing = session.server.outgoingAddress;
        return outgoing == null || (outgoing instanceof Inet4Address) == (a instanceof Inet4Address);
    }

    private void send(InetAddress ip, int port, ByteBuffer payload) throws IOException {
        if (!outgoingFamilyMatches(ip)) {
            dropped++;
            return;
        }
        InetSocketAddress to = new InetSocketAddress(ip, port);
        int length = payload.remaining();
        if (targetSide.send(payload, to) == 0) {
            dropped++;
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
                dropped++;
                continue;
            }
            int end = buffer.position();
            if (!from.equals(lastSender)) {
                lastSender = from;
                lastSenderHeader = Socks5UdpHeader.of(SocksAddress.ofIp(from.getAddress(), from.getPort()));
            }
            int start = HEADER_ROOM - lastSenderHeader.encodedLength();
            buffer.limit(end).position(start);
            lastSenderHeader.encode(buffer);
            buffer.position(start);
            if (clientSide.send(buffer, clientUdpAddress) == 0) {
                dropped++;
                continue;
            }
            session.datagramsDown++;
            session.bytesDown += end - HEADER_ROOM;
        }
    }

    void close() {
        closed = true;
        SocksServer.closeQuietly(clientSide);
        SocksServer.closeQuietly(targetSide);
    }
}
