package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Real loopback peers for the server tests: a TCP echo target, a UDP echo target and a raw SOCKS client. */
final class Peers {
    static final InetAddress LOCALHOST = address("127.0.0.1");
    static final InetAddress OTHER_LOOPBACK = address("127.0.0.2");

    private Peers() {
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] hex(String hex) {
        String h = hex.replaceAll("[\\s|]", "");
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /**
     * A TCP echo server: echoes every byte; when the client shuts its output down it finishes echoing, then shuts
     * its own output down. Records each connection's source. One thread per connection.
     */
    static final class EchoTarget implements AutoCloseable {
        final ServerSocket server;
        final List<InetSocketAddress> sources = new CopyOnWriteArrayList<>();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        EchoTarget() throws IOException {
            this(LOCALHOST);
        }

        EchoTarget(InetAddress bind) throws IOException {
            server = new ServerSocket(0, 50, bind);
            acceptor = new Thread(this::accept, "echo-target-accept");
            acceptor.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        /** Waits (at most 5 s) until {@code n} connections were accepted: the kernel completes them earlier. */
        List<InetSocketAddress> awaitSources(int n) throws InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (sources.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return List.copyOf(sources);
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    sources.add((InetSocketAddress) s.getRemoteSocketAddress());
                    sockets.add(s);
                    Thread t = new Thread(() -> echo(s), "echo-target-conn");
                    threads.add(t);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void echo(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
                s.shutdownOutput();
                // Wait for the other side to close before closing, so no reset hides data in flight.
                while (in.read() >= 0) {
                    // drain
                }
            } catch (IOException ignored) {
                // The test sees the effect on its side.
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
            try {
                acceptor.join(5000);
                for (Thread t : threads) {
                    t.join(5000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A UDP echo server recording each datagram's source. */
    static final class UdpEchoTarget implements AutoCloseable {
        final DatagramSocket socket;
        final List<InetSocketAddress> sources = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;

        UdpEchoTarget(InetAddress bind) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(bind, 0));
            thread = new Thread(this::run, "udp-echo-target");
            thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        private void run() {
            byte[] buf = new byte[65536];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                    sources.add((InetSocketAddress) p.getSocketAddress());
                    socket.send(new DatagramPacket(p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A SOCKS client that writes raw bytes and reads what comes back, every read bounded by a timeout. */
    static final class RawClient implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        RawClient(InetSocketAddress server) throws IOException {
            socket = new Socket();
            socket.connect(server, 5000);
            socket.setSoTimeout(5000);
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        RawClient write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            return this;
        }

        /** Writes one byte at a time, each its own segment, with a pause between. */
        RawClient writeSlowly(byte[] bytes) throws IOException, InterruptedException {
            for (byte b : bytes) {
                out.write(b);
                out.flush();
                Thread.sleep(2);
            }
            return this;
        }

        byte[] read(int n) throws IOException {
            return in.readNBytes(n);
        }

        void expect(String hex) throws IOException {
            byte[] expected = Peers.hex(hex);
            assertArrayEquals(expected, read(expected.length), "reply bytes");
        }

        /** Reads one whole SOCKS5 reply of any ATYP. */
        Socks5CommandResponse readSocks5Reply() throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(300);
            while (true) {
                int b = in.read();
                if (b < 0) {
                    fail("connection closed before a complete SOCKS5 reply: " + buf.flip());
                }
                buf.put((byte) b);
                ByteBuffer view = buf.duplicate().flip();
                try {
                    Socks5CommandResponse r = Socks5CommandResponse.decode(view);
                    if (r != null) {
                        return r;
                    }
                } catch (SocksProtocolException e) {
                    throw new AssertionError(e);
                }
            }
        }

        /** Asserts the server closes the connection (EOF or reset) within the socket timeout, reading no data. */
        void expectClosed() throws IOException {
            try {
                int b = in.read();
                assertEquals(-1, b, "expected the server to close the connection, got a byte");
            } catch (SocketTimeoutException e) {
                fail("the server did not close the connection within " + socket.getSoTimeout() + " ms");
            } catch (IOException e) {
                // A reset is a close too.
            }
        }

        byte[] echo(byte[] data) throws IOException {
            write(data);
            return read(data.length);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
