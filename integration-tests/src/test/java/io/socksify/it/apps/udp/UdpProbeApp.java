package io.socksify.it.apps.udp;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One UDP behaviour per run, for the fail-closed and clean-up ITs: {@code UdpProbeApp <mode> <host> <port> [arg]}.
 * Prints {@code OK} (exit 0), or {@code KIND <exception class>} and {@code MESSAGE <message>} (exit 3).
 * <ul>
 * <li>{@code once [size]}: one datagram (default 16 bytes) echoed with a {@code DatagramSocket}; {@code SENDER}.</li>
 * <li>{@code channel-once [size]}: one datagram sent with a blocking {@code DatagramChannel}; {@code SENT}.</li>
 * <li>{@code name-once}: a blocking {@code DatagramChannel} echoes 4 bytes off an unresolved {@code host:port};
 *     {@code SENDER}.</li>
 * <li>{@code hold <file>}: three echoes, {@code READY}, waits for {@code file} to exist, then one more echo.</li>
 * <li>{@code many <n> [file]}: n sockets, each opened, used for one echo and closed; {@code THREADS <first> <last>} (live
 *     threads after the first and after the last socket), then, given a file, {@code READY} and waits for it.</li>
 * </ul>
 */
public final class UdpProbeApp {
    private UdpProbeApp() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        InetSocketAddress target = mode.equals("name-once")
                ? InetSocketAddress.createUnresolved(args[1], Integer.parseInt(args[2]))
                : new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2]));
        try {
            switch (mode) {
                case "once" -> {
                    try (DatagramSocket socket = new DatagramSocket()) {
                        System.out.println("SENDER " + echo(socket, target, args.length > 3
                                ? Integer.parseInt(args[3]) : 16));
                    }
                }
                case "name-once" -> {
                    try (DatagramChannel channel = DatagramChannel.open()) {
                        channel.send(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), target);
                        ByteBuffer in = ByteBuffer.allocate(100);
                        System.out.println("SENDER " + channel.receive(in));
                        if (in.position() != 4) {
                            throw new IllegalStateException("echo of " + in.position() + " bytes");
                        }
                    }
                }
                case "channel-once" -> {
                    try (DatagramChannel channel = DatagramChannel.open()) {
                        int size = args.length > 3 ? Integer.parseInt(args[3]) : 16;
                        channel.send(ByteBuffer.allocate(size), target);
                        System.out.println("SENT");
                    }
                }
                case "hold" -> {
                    try (DatagramSocket socket = new DatagramSocket()) {
                        for (int i = 0; i < 3; i++) {
                            echo(socket, target, 100);
                        }
                        System.out.println("READY");
                        System.out.flush();
                        Path file = Path.of(args[3]);
                        while (!Files.exists(file)) {
                            Thread.sleep(20);
                        }
                        echo(socket, target, 100);
                    }
                }
                case "many" -> {
                    int n = Integer.parseInt(args[3]);
                    int first = 0;
                    for (int i = 0; i < n; i++) {
                        try (DatagramSocket socket = new DatagramSocket()) {
                            echo(socket, target, 64);
                        }
                        if (i == 0) {
                            first = ManagementFactory.getThreadMXBean().getThreadCount();
                        }
                    }
                    System.out.println("THREADS " + first + " " + ManagementFactory.getThreadMXBean().getThreadCount());
                    if (args.length > 4) {
                        System.out.println("READY");
                        System.out.flush();
                        while (!Files.exists(Path.of(args[4]))) {
                            Thread.sleep(20);
                        }
                    }
                }
                default -> throw new IllegalArgumentException(mode);
            }
            System.out.println("OK");
        } catch (IOException | RuntimeException e) {
            System.out.println("KIND " + e.getClass().getSimpleName());
            System.out.println("MESSAGE " + e.getMessage());
            e.printStackTrace();
            System.out.flush();
            System.exit(3);
        }
    }

    private static Object echo(DatagramSocket socket, InetSocketAddress target, int size) throws IOException {
        socket.setSoTimeout(5_000);
        byte[] data = new byte[size];
        socket.send(new DatagramPacket(data, size, target));
        DatagramPacket reply = new DatagramPacket(new byte[65_535], 65_535);
        socket.receive(reply);
        if (reply.getLength() != size) {
            throw new IllegalStateException("echo of " + reply.getLength() + " bytes, expected " + size);
        }
        return reply.getSocketAddress();
    }
}
