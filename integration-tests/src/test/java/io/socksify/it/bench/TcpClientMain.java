package io.socksify.it.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * One measurement of {@link AgentTcpBenchmark}, in its own JVM (with or without the agent, or with the JDK's SOCKS
 * properties): {@code TcpClientMain <api> <kind> <host> <port> <n>}, the application code being the same in every
 * mode. APIs: {@code socket} ({@code java.net.Socket}), {@code channel} (blocking {@code SocketChannel}),
 * {@code selector} (non-blocking {@code SocketChannel} on a {@code Selector}). Kinds: {@code connect} ({@code n}
 * times connect, one byte to the echo target and back, close: prints {@code MICROS <median per connection>}),
 * {@code bulk} ({@code n} bytes one way to the sink, timed to its acknowledgement) and {@code duplex} ({@code n}
 * bytes to the echo target while they come back): prints {@code MIBS <MiB/s>} (duplex: both ways counted). Each
 * measurement follows a warm-up of a fifth of it. The socket's options after connecting are printed as
 * {@code OPTIONS ...}, so that a mode that leaves them changed shows it.
 */
public final class TcpClientMain {
    private static final int CHUNK = 256 * 1024;

    private TcpClientMain() {
    }

    public static void main(String[] args) throws Exception {
        String api = args[0];
        String kind = args[1];
        InetSocketAddress target = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        long n = Long.parseLong(args[4]);
        switch (kind) {
            case "connect" -> {
                connects(api, target, (int) Math.max(1, n / 5));
                System.out.println("MICROS " + connects(api, target, (int) n));
            }
            case "bulk" -> {
                bulk(api, target, Math.max(1, n / 5));
                System.out.printf("MIBS %.1f%n", bulk(api, target, n));
            }
            case "duplex" -> {
                duplex(api, target, Math.max(1, n / 5));
                System.out.printf("MIBS %.1f%n", duplex(api, target, n));
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /** @return the median microseconds of one connect + 1-byte echo + close */
    private static long connects(String api, InetSocketAddress target, int count) throws IOException {
        long[] micros = new long[count];
        ByteBuffer one = ByteBuffer.allocate(1);
        Selector selector = api.equals("selector") ? Selector.open() : null;
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            if (api.equals("socket")) {
                try (Socket s = new Socket()) {
                    s.connect(target, 10_000);
                    s.getOutputStream().write(1);
                    if (s.getInputStream().read() != 1) {
                        throw new IOException("no echo");
                    }
                }
            } else if (api.equals("channel")) {
                try (SocketChannel ch = SocketChannel.open(target)) {
                    ch.write(one.clear().put((byte) 1).flip());
                    if (ch.read(one.clear()) != 1) {
                        throw new IOException("no echo");
                    }
                }
            } else {
                try (SocketChannel ch = SocketChannel.open()) {
                    ch.configureBlocking(false);
                    SelectionKey key = ch.register(selector, SelectionKey.OP_CONNECT);
                    if (!ch.connect(target)) {
                        while (!ch.finishConnect()) {
                            selector.select(10_000);
                            selector.selectedKeys().clear();
                        }
                    }
                    ch.write(one.clear().put((byte) 1).flip());
                    key.interestOps(SelectionKey.OP_READ);
                    int r;
                    while ((r = ch.read(one.clear())) == 0) {
                        selector.select(10_000);
                        selector.selectedKeys().clear();
                    }
                    if (r != 1) {
                        throw new IOException("no echo");
                    }
                    key.cancel();
                }
                selector.selectNow();
            }
            micros[i] = (System.nanoTime() - t0) / 1_000;
        }
        if (selector != null) {
            selector.close();
        }
        Arrays.sort(micros);
        return micros[count / 2];
    }

    private static double bulk(String api, InetSocketAddress sink, long bytes) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(8).putLong(bytes).flip();
        ByteBuffer ack = ByteBuffer.allocate(8);
        long t0;
        if (api.equals("socket")) {
            try (Socket s = new Socket()) {
                s.connect(sink, 10_000);
                printOptions(s);
                byte[] chunk = new byte[CHUNK];
                t0 = System.nanoTime();
                OutputStream out = s.getOutputStream();
                out.write(header.array());
                for (long sent = 0; sent < bytes; sent += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
                }
                ack.put(s.getInputStream().readNBytes(8)).flip();
                return checkedRate(ack, bytes, t0, 1);
            }
        }
        try (SocketChannel ch = SocketChannel.open(sink)) {
            printOptions(ch);
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
            t0 = System.nanoTime();
            if (api.equals("channel")) {
                while (header.hasRemaining()) {
                    ch.write(header);
                }
                for (long sent = 0; sent < bytes; ) {
                    chunk.clear().limit((int) Math.min(CHUNK, bytes - sent));
                    sent += ch.write(chunk);
                }
                while (ack.hasRemaining() && ch.read(ack) >= 0) {
                    // the sink's count
                }
            } else {
                ch.configureBlocking(false);
                try (Selector selector = Selector.open()) {
                    SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
                    long sent = -8;
                    while (sent < bytes) {
                        selector.select();
                        selector.selectedKeys().clear();
                        if (sent < 0) {
                            sent += ch.write(header);
                            continue;
                        }
                        chunk.clear().limit((int) Math.min(CHUNK, bytes - sent));
                        sent += ch.write(chunk);
                    }
                    key.interestOps(SelectionKey.OP_READ);
                    while (ack.hasRemaining()) {
                        selector.select();
                        selector.selectedKeys().clear();
                        if (ch.read(ack) < 0) {
                            break;
                        }
                    }
                }
            }
            ack.flip();
            return checkedRate(ack, bytes, t0, 1);
        }
    }

    private static double checkedRate(ByteBuffer ack, long bytes, long t0, int directions) throws IOException {
        long nanos = System.nanoTime() - t0;
        if (ack.remaining() != 8 || ack.getLong(0) != bytes) {
            throw new IOException("the sink acknowledged " + ack + " for " + bytes + " bytes");
        }
        return directions * bytes / 1048576.0 / (nanos / 1e9);
    }

    private static double duplex(String api, InetSocketAddress echo, long bytes) throws Exception {
        if (api.equals("selector")) {
            return duplexOnSelector(echo, bytes);
        }
        Socket socket = null;
        SocketChannel channel = null;
        if (api.equals("socket")) {
            socket = new Socket();
            socket.connect(echo, 10_000);
        } else {
            channel = SocketChannel.open(echo);
        }
        Socket s = socket;
        SocketChannel ch = channel;
        try {
            long[] failed = new long[1];
            long t0 = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    if (s != null) {
                        OutputStream out = s.getOutputStream();
                        byte[] chunk = new byte[CHUNK];
                        for (long sent = 0; sent < bytes; sent += chunk.length) {
                            out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
                        }
                    } else {
                        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
                        for (long sent = 0; sent < bytes; ) {
                            chunk.clear().limit((int) Math.min(CHUNK, bytes - sent));
                            sent += ch.write(chunk);
                        }
                    }
                } catch (IOException e) {
                    failed[0] = 1;
                }
            }, "duplex-writer");
            writer.start();
            long received = 0;
            if (s != null) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[CHUNK];
                int r;
                while (received < bytes && (r = in.read(buf)) > 0) {
                    received += r;
                }
            } else {
                ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                int r;
                while (received < bytes && (r = ch.read(buf.clear())) > 0) {
                    received += r;
                }
            }
            writer.join();
            long nanos = System.nanoTime() - t0;
            if (received != bytes || failed[0] != 0) {
                throw new IOException("duplex: received " + received + " of " + bytes);
            }
            return 2 * bytes / 1048576.0 / (nanos / 1e9);
        } finally {
            if (s != null) {
                s.close();
            }
            if (ch != null) {
                ch.close();
            }
        }
    }

    /** Both directions on one selector thread, as an event loop does. */
    private static double duplexOnSelector(InetSocketAddress echo, long bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(echo); Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            ByteBuffer out = ByteBuffer.allocateDirect(CHUNK);
            ByteBuffer in = ByteBuffer.allocateDirect(CHUNK);
            SelectionKey key = ch.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            long sent = 0;
            long received = 0;
            long t0 = System.nanoTime();
            while (received < bytes) {
                selector.select();
                selector.selectedKeys().clear();
                if (sent < bytes && key.isWritable()) {
                    out.clear().limit((int) Math.min(CHUNK, bytes - sent));
                    sent += ch.write(out);
                    if (sent == bytes) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    int r = ch.read(in.clear());
                    if (r < 0) {
                        break;
                    }
                    received += r;
                }
            }
            long nanos = System.nanoTime() - t0;
            if (received != bytes) {
                throw new IOException("duplex: received " + received + " of " + bytes);
            }
            return 2 * bytes / 1048576.0 / (nanos / 1e9);
        }
    }

    private static void printOptions(Socket s) throws IOException {
        System.out.println("OPTIONS soTimeout=" + s.getSoTimeout() + " tcpNoDelay=" + s.getTcpNoDelay()
                + " sndBuf=" + s.getSendBufferSize() + " rcvBuf=" + s.getReceiveBufferSize()
                + " keepAlive=" + s.getKeepAlive() + " out=" + s.getOutputStream().getClass().getName()
                + " in=" + s.getInputStream().getClass().getName());
    }

    private static void printOptions(SocketChannel ch) throws IOException {
        System.out.println("OPTIONS tcpNoDelay=" + ch.getOption(StandardSocketOptions.TCP_NODELAY)
                + " sndBuf=" + ch.getOption(StandardSocketOptions.SO_SNDBUF)
                + " rcvBuf=" + ch.getOption(StandardSocketOptions.SO_RCVBUF)
                + " keepAlive=" + ch.getOption(StandardSocketOptions.SO_KEEPALIVE));
    }
}
