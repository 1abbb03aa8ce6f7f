package io.socksify.it.apps.udp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;

/**
 * Echoes datagrams of mixed sizes off a UDP echo target, run under the agent by the UDP ITs:
 * {@code UdpClientApp <kind> <host> <port> <count>}. Every reply must be byte-exact and come from the target
 * ({@code SENDER} is checked per datagram). Prints {@code REMOTE <address>} for connected kinds, {@code ECHOED n},
 * then {@code OK}; on failure {@code KIND <exception class>}, {@code MESSAGE <message>} and exit code 3.
 * Kinds: {@code socket} (unconnected {@code DatagramSocket} with {@code setSoTimeout}), {@code socket-connected},
 * {@code channel} (blocking {@code send}/{@code receive}), {@code channel-connected} ({@code write}/{@code read}),
 * {@code selector} (non-blocking, one {@code Selector}). Further arguments {@code key=value} are system properties the
 * application sets in {@code main}, before its first socket (after the agent has installed).
 */
public final class UdpClientApp {
    private static final int TIMEOUT_MILLIS = 3_000;

    private UdpClientApp() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2]));
        int count = Integer.parseInt(args[3]);
        for (int i = 4; i < args.length; i++) {
            String[] property = args[i].split("=", 2);
            System.setProperty(property[0], property[1]);
        }
        try {
            long echoed = switch (kind) {
                case "socket" -> socket(target, count, false);
                case "socket-connected" -> socket(target, count, true);
                case "channel" -> channel(target, count, false);
                case "channel-connected" -> channel(target, count, true);
                case "selector" -> selector(target, count);
                default -> throw new IllegalArgumentException(kind);
            };
            System.out.println("ECHOED " + echoed);
            System.out.println("OK");
        } catch (IOException | RuntimeException e) {
            System.out.println("KIND " + e.getClass().getSimpleName());
            System.out.println("MESSAGE " + e.getMessage());
            e.printStackTrace();
            System.out.flush();
            System.exit(3);
        }
    }

    /** Sizes from 8 bytes to 8 KiB, a few of 30 KiB; the first 4 bytes are the sequence number. */
    static byte[] payload(int i) {
        int size = i % 100 == 99 ? 30_000 + i : i % 10 == 0 ? 8_192 - i % 97 : 8 + (i * 131) % 1_465;
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            b[k] = (byte) (i * 31 + k * 7);
        }
        ByteBuffer.wrap(b).putInt(0, i);
        return b;
    }

    static int sequence(byte[] b, int offset, int length) {
        return length < 4 ? -1 : ByteBuffer.wrap(b, offset, length).getInt();
    }

    private static void check(int i, byte[] sent, byte[] got, int offset, int length, SocketAddress sender,
            InetSocketAddress target) {
        if (!target.equals(sender)) {
            throw new IllegalStateException("reply " + i + " reported sender " + sender + ", expected " + target);
        }
        if (!Arrays.equals(sent, 0, sent.length, got, offset, offset + length)) {
            throw new IllegalStateException("reply " + i + " differs: " + length + " bytes, expected " + sent.length);
        }
    }

    private static long socket(InetSocketAddress target, int count, boolean connected) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            if (connected) {
                socket.connect(target);
                System.out.println("REMOTE " + socket.getRemoteSocketAddress());
            }
            byte[] buffer = new byte[65_535];
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            for (int i = 0; i < count; i++) {
                byte[] sent = payload(i);
                DatagramPacket out = connected ? new DatagramPacket(sent, sent.length)
                        : new DatagramPacket(sent, sent.length, target);
                for (int attempt = 0; ; attempt++) {
                    socket.send(out);
                    try {
                        do {
                            // The packet is reused without setLength: its capacity must survive each receive.
                            socket.receive(in);
                        } while (sequence(in.getData(), in.getOffset(), in.getLength()) < i);
                        break;
                    } catch (SocketTimeoutException e) {
                        if (attempt == 2) {
                            throw e;
                        }
                    }
                }
                check(i, sent, in.getData(), in.getOffset(), in.getLength(), in.getSocketAddress(), target);
            }
        }
        return count;
    }

    private static long channel(InetSocketAddress target, int count, boolean connected) throws IOException {
        try (DatagramChannel channel = DatagramChannel.open()) {
            if (connected) {
                channel.connect(target);
                System.out.println("REMOTE " + channel.getRemoteAddress());
            }
            ByteBuffer in = ByteBuffer.allocate(65_535);
            for (int i = 0; i < count; i++) {
                byte[] sent = payload(i);
                SocketAddress sender;
                do {
                    if (connected) {
                        channel.write(ByteBuffer.wrap(sent));
                        in.clear();
                        channel.read(in);
                        sender = channel.getRemoteAddress();
                    } else {
                        channel.send(ByteBuffer.wrap(sent), target);
                        in.clear();
                        sender = channel.receive(in);
                    }
                } while (sequence(in.array(), 0, in.position()) < i);
                check(i, sent, in.array(), 0, in.position(), sender, target);
            }
        }
        return count;
    }

    private static long selector(InetSocketAddress target, int count) throws IOException {
        try (DatagramChannel channel = DatagramChannel.open(); Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocateDirect(65_535);
            byte[] got = new byte[65_535];
            for (int i = 0; i < count; i++) {
                byte[] sent = payload(i);
                if (channel.send(ByteBuffer.wrap(sent), target) != sent.length) {
                    throw new IllegalStateException("non-blocking send " + i + " did not send it all");
                }
                while (true) {
                    if (selector.select(TIMEOUT_MILLIS) == 0) {
                        throw new SocketTimeoutException("no reply " + i + " within " + TIMEOUT_MILLIS + " ms");
                    }
                    selector.selectedKeys().clear();
                    in.clear();
                    SocketAddress sender = channel.receive(in);
                    if (sender == null) {
                        continue;
                    }
                    in.flip();
                    int length = in.remaining();
                    in.get(got, 0, length);
                    if (sequence(got, 0, length) < i) {
                        continue;
                    }
                    check(i, sent, got, 0, length, sender, target);
                    break;
                }
            }
        }
        return count;
    }
}
