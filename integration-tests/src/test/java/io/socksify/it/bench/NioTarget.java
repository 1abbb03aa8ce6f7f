package io.socksify.it.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A target for load and benchmark runs, on one selector thread, serving any source:
 * <ul>
 *   <li>{@link Mode#ECHO}: sends back every byte; after the client's end of stream, finishes and closes.</li>
 *   <li>{@link Mode#SINK}: reads a length (8 bytes, big-endian), then discards that many bytes and answers with the
 *       count (8 bytes), so a client can time a one-way transfer to its last byte; closes at end of stream.</li>
 * </ul>
 * Each connection holds one buffer of the size given, allocated when it is accepted.
 */
public final class NioTarget implements AutoCloseable {
    public enum Mode { ECHO, SINK }

    private final Selector selector;
    private final ServerSocketChannel server;
    private final Mode mode;
    private final int bufferSize;
    private final Thread thread;
    private volatile boolean closed;

    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer buf;
        long count;
        long expected = -1;
        boolean acked;
        boolean eof;

        Conn(SocketChannel ch, ByteBuffer buf) {
            this.ch = ch;
            this.buf = buf;
        }
    }

    public NioTarget(Mode mode, int bufferSize) throws IOException {
        this.mode = mode;
        this.bufferSize = bufferSize;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::run, "nio-target-" + mode.name().toLowerCase());
        thread.setDaemon(true);
        thread.start();
    }

    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    private void run() {
        try {
            while (!closed) {
                selector.select(key -> {
                    try {
                        if (key.isAcceptable()) {
                            SocketChannel ch;
                            while ((ch = server.accept()) != null) {
                                ch.configureBlocking(false);
                                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                                ch.register(selector, SelectionKey.OP_READ,
                                        new Conn(ch, ByteBuffer.allocateDirect(bufferSize)));
                            }
                        } else {
                            serve(key, (Conn) key.attachment());
                        }
                    } catch (IOException e) {
                        if (key.attachment() instanceof Conn c) {
                            closeQuietly(c.ch);
                        }
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                e.printStackTrace();
            }
        } finally {
            for (SelectionKey k : selector.keys()) {
                closeQuietly(k.channel());
            }
            closeQuietly(selector);
        }
    }

    private void serve(SelectionKey key, Conn c) throws IOException {
        if (mode == Mode.SINK) {
            // The stream starts with the number of bytes that follow (8 bytes); once they are all here, the count
            // goes back. No half-close is needed, which some proxies (microsocks) turn into a full close.
            if (key.isReadable()) {
                int n;
                while ((n = c.ch.read(c.buf.clear())) > 0) {
                    if (c.expected < 0) {
                        c.buf.flip();
                        c.expected = c.buf.getLong() + 8;
                    }
                    c.count += n;
                }
                if (c.expected >= 0 && c.count >= c.expected && !c.acked) {
                    c.acked = true;
                    ByteBuffer ack = ByteBuffer.allocate(8).putLong(c.count - 8).flip();
                    while (ack.hasRemaining()) {
                        c.ch.write(ack);
                    }
                }
                if (n < 0) {
                    c.ch.close();
                }
            }
            return;
        }
        if (key.isReadable()) {
            int n = c.ch.read(c.buf);
            if (n < 0) {
                c.eof = true;
            }
        }
        if (c.buf.position() > 0) {
            c.buf.flip();
            c.ch.write(c.buf);
            c.buf.compact();
        }
        if (c.eof && c.buf.position() == 0) {
            c.ch.close();
            return;
        }
        key.interestOps((c.eof || !c.buf.hasRemaining() ? 0 : SelectionKey.OP_READ)
                | (c.buf.position() > 0 ? SelectionKey.OP_WRITE : 0));
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        selector.wakeup();
        server.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
