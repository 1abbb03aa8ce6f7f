package io.socksify.it.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Opens many SOCKS5 CONNECT sessions at once through a proxy to its own echo target, all from one selector thread,
 * and keeps them open together:
 * <pre>
 * LoadClientMain PROXY_HOST PROXY_PORT CONNECTIONS HOLD_MILLIS
 * </pre>
 * Each connection writes greeting, request and a 32-byte payload in one write, and must read back
 * {@code 05 00}, a success reply and the payload. When every connection has done so it prints
 * {@code ESTABLISHED <n>}, holds them all open for HOLD_MILLIS (each exchanging one more payload meanwhile, so the
 * relays are live), prints {@code CLOSING}, closes them and prints {@code DONE <n> ok}. Exit 0 only if all succeed.
 */
public final class LoadClientMain {
    private static final int IN_FLIGHT = 512;

    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer out;
        final ByteBuffer in;
        final byte[] payload;
        int phase;

        Conn(SocketChannel ch, ByteBuffer out, ByteBuffer in, byte[] payload) {
            this.ch = ch;
            this.out = out;
            this.in = in;
            this.payload = payload;
        }
    }

    private LoadClientMain() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress proxy = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int total = Integer.parseInt(args[2]);
        long holdMillis = Long.parseLong(args[3]);
        try (NioTarget target = new NioTarget(NioTarget.Mode.ECHO, 512)) {
            int code = run(proxy, target.address(), total, holdMillis);
            System.out.flush();
            System.exit(code);
        }
    }

    static int run(InetSocketAddress proxy, InetSocketAddress target, int total, long holdMillis)
            throws IOException, InterruptedException {
        byte[] request = new byte[3 + 10];
        ByteBuffer.wrap(request).put(new byte[] {5, 1, 0, 5, 1, 0, 1}).put(target.getAddress().getAddress())
                .putShort((short) target.getPort());
        List<Conn> conns = new ArrayList<>(total);
        long t0 = System.nanoTime();
        int established = 0;
        int failed = 0;
        try (Selector selector = Selector.open()) {
            int started = 0;
            int inFlight = 0;
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (established + failed < total) {
                while (started < total && inFlight < IN_FLIGHT) {
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    byte[] payload = new byte[32];
                    Arrays.fill(payload, (byte) started);
                    ByteBuffer out = ByteBuffer.allocate(request.length + 32).put(request).put(payload).flip();
                    Conn c = new Conn(ch, out, ByteBuffer.allocate(2 + 10 + 32), payload);
                    conns.add(c);
                    ch.connect(proxy);
                    ch.register(selector, SelectionKey.OP_CONNECT, c);
                    started++;
                    inFlight++;
                }
                if (System.nanoTime() > deadline) {
                    System.out.println("TIMEOUT established=" + established + " failed=" + failed);
                    return 1;
                }
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    Conn c = (Conn) key.attachment();
                    try {
                        if (key.isConnectable()) {
                            c.ch.finishConnect();
                            c.ch.write(c.out);
                            key.interestOps(SelectionKey.OP_READ);
                        } else if (key.isReadable()) {
                            if (c.ch.read(c.in) < 0) {
                                throw new IOException("closed by the proxy after " + c.in.position() + " bytes");
                            }
                            if (!c.in.hasRemaining()) {
                                byte[] got = c.in.array();
                                if (got[0] != 5 || got[1] != 0 || got[2] != 5 || got[3] != 0
                                        || !Arrays.equals(Arrays.copyOfRange(got, 12, 44), c.payload)) {
                                    throw new IOException("unexpected answer " + Arrays.toString(got));
                                }
                                key.interestOps(0);
                                established++;
                                inFlight--;
                            }
                        }
                    } catch (IOException e) {
                        if (failed < 5) {
                            System.out.println("FAILED " + e);
                        }
                        failed++;
                        inFlight--;
                        key.cancel();
                        c.ch.close();
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        // The selector is closed: its keys are gone and the channels may block from here on.
        {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("ESTABLISHED " + established + " failed=" + failed + " in " + ms + " ms");
            System.out.flush();
            // While holding, every connection exchanges one more payload: all relays are live at once.
            long holdUntil = System.nanoTime() + holdMillis * 1_000_000L;
            int echoed = 0;
            for (Conn c : conns) {
                if (c.ch.isOpen()) {
                    c.ch.configureBlocking(true);
                    c.ch.write(ByteBuffer.wrap(c.payload));
                }
            }
            for (Conn c : conns) {
                if (c.ch.isOpen()) {
                    ByteBuffer b = ByteBuffer.allocate(32);
                    while (b.hasRemaining() && c.ch.read(b) >= 0) {
                        Thread.onSpinWait();
                    }
                    if (Arrays.equals(b.array(), c.payload)) {
                        echoed++;
                    }
                }
            }
            System.out.println("ECHOED " + echoed);
            long left = holdUntil - System.nanoTime();
            if (left > 0) {
                Thread.sleep(left / 1_000_000);
            }
            System.out.println("CLOSING");
            System.out.flush();
            for (Conn c : conns) {
                c.ch.close();
            }
            System.out.println("DONE " + established + " ok");
            return failed == 0 && established == total && echoed == total ? 0 : 1;
        }
    }
}
