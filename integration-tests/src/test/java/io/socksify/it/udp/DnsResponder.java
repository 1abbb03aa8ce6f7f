package io.socksify.it.udp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny DNS server on 127.0.0.1 for the UDP ITs: every A query from the accepted source is answered with
 * {@link #ADDRESS}; queries from anyone else are recorded and dropped (RFC 1035 section 4.1).
 */
final class DnsResponder implements AutoCloseable {
    static final String ADDRESS = "192.0.2.7";

    private final DatagramSocket socket;
    private final InetAddress acceptedSource;
    private final List<InetSocketAddress> answered = new CopyOnWriteArrayList<>();
    private final List<InetSocketAddress> rejected = new CopyOnWriteArrayList<>();
    private final Thread thread;

    DnsResponder(InetAddress acceptedSource) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        this.acceptedSource = acceptedSource;
        this.thread = new Thread(this::serve, "it-dns-responder");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    List<InetSocketAddress> answered() {
        return answered;
    }

    List<InetSocketAddress> rejected() {
        return rejected;
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket query = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(query);
                InetSocketAddress from = (InetSocketAddress) query.getSocketAddress();
                if (!from.getAddress().equals(acceptedSource)) {
                    rejected.add(from);
                    continue;
                }
                byte[] reply = answer(ByteBuffer.wrap(query.getData(), 0, query.getLength()));
                socket.send(new DatagramPacket(reply, reply.length, from));
                answered.add(from);
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    /**
     * <pre>
     * header: ID(2) | flags(2) | QDCOUNT(2) | ANCOUNT(2) | NSCOUNT(2) | ARCOUNT(2)
     * question: QNAME (labels) | QTYPE(2) | QCLASS(2)
     * answer: NAME (pointer C00C to the question's name) | TYPE A | CLASS IN | TTL(4) | RDLENGTH 4 | RDATA
     * </pre>
     */
    private static byte[] answer(ByteBuffer query) throws IOException {
        short id = query.getShort(0);
        int end = 12;
        while (query.get(end) != 0) {
            end += (query.get(end) & 0xff) + 1;
        }
        end += 1 + 4; // the root label, QTYPE, QCLASS
        ByteBuffer reply = ByteBuffer.allocate(end + 16);
        reply.putShort(id).putShort((short) 0x8180).putShort((short) 1).putShort((short) 1).putShort((short) 0)
                .putShort((short) 0);
        reply.put(query.array(), query.arrayOffset() + 12, end - 12);
        reply.putShort((short) 0xC00C).putShort((short) 1).putShort((short) 1).putInt(60).putShort((short) 4)
                .put(InetAddress.getByName(ADDRESS).getAddress());
        return reply.array();
    }

    @Override
    public void close() {
        socket.close();
    }
}
