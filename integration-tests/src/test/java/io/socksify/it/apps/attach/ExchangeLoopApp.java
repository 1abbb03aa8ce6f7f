package io.socksify.it.apps.attach;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A long-running application started without the agent, for attach tests: it exchanges a few bytes with each
 * target in rounds, with a fresh {@link Socket}, {@link SocketChannel} and {@link DatagramChannel} each time, and
 * prints one line per exchange and one at the end of each round:
 * <pre>
 * R7 socket a ok
 * R7 channel b fail java.io.EOFException: ...
 * R7 end
 * </pre>
 * Arguments: {@code name=tcpHost:tcpPort[/udpHost:udpPort] ...}; without a UDP address no UDP exchange is made.
 * {@code keep=host:port} opens one connection at start and pings over it every round ({@code R7 kept keep ok}), as a
 * connection pool would keep a connection. {@code factory=/path}: once that file exists, the application sets a
 * {@code DatagramSocketImplFactory} (allowed while socksify runs with {@code udp=direct}; its own UDP runs on
 * channels, which the factory does not touch) and prints {@code factory set}.
 */
public final class ExchangeLoopApp {
    private static final int TIMEOUT_MILLIS = 3_000;
    private static final int UDP_TIMEOUT_MILLIS = 1_000;
    private static final long PAUSE_MILLIS = 100;

    private record Target(String name, InetSocketAddress tcp, InetSocketAddress udp) {
    }

    public static void main(String[] args) throws InterruptedException, IOException {
        List<Target> targets = new ArrayList<>();
        Socket kept = null;
        java.nio.file.Path factoryTrigger = null;
        for (String arg : args) {
            String[] nameAndAddresses = arg.split("=", 2);
            if (nameAndAddresses[0].equals("factory")) {
                factoryTrigger = java.nio.file.Path.of(nameAndAddresses[1]);
                continue;
            }
            if (nameAndAddresses[0].equals("keep")) {
                kept = new Socket();
                kept.connect(address(nameAndAddresses[1]), TIMEOUT_MILLIS);
                kept.setSoTimeout(TIMEOUT_MILLIS);
                continue;
            }
            String[] addresses = nameAndAddresses[1].split("/");
            targets.add(new Target(nameAndAddresses[0], address(addresses[0]),
                    addresses.length > 1 ? address(addresses[1]) : null));
        }
        System.out.println("ready " + ProcessHandle.current().pid());
        for (long round = 1; ; round++) {
            if (factoryTrigger != null && java.nio.file.Files.exists(factoryTrigger)) {
                factoryTrigger = null;
                try {
                    java.net.DatagramSocket.setDatagramSocketImplFactory(() -> null);
                    System.out.println("factory set");
                } catch (IOException | RuntimeException e) {
                    System.out.println("factory refused " + e);
                }
            }
            for (Target target : targets) {
                report(round, "socket", target.name(), () -> socket(target.tcp()));
                report(round, "channel", target.name(), () -> channel(target.tcp()));
                if (target.udp() != null) {
                    report(round, "udp", target.name(), () -> udp(target.udp()));
                }
            }
            if (kept != null) {
                Socket k = kept;
                report(round, "kept", "keep", () -> ping(k));
            }
            System.out.println("R" + round + " end");
            Thread.sleep(PAUSE_MILLIS);
        }
    }

    private interface Exchange {
        void run() throws IOException;
    }

    private static void report(long round, String transport, String target, Exchange exchange) {
        String result;
        try {
            exchange.run();
            result = "ok";
        } catch (IOException | RuntimeException e) {
            result = "fail " + e.toString().replace('\n', ' ');
        }
        System.out.println("R" + round + " " + transport + " " + target + " " + result);
    }

    private static void socket(InetSocketAddress target) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(target, TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            ping(socket);
        }
    }

    private static void ping(Socket socket) throws IOException {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        out.write(ping);
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] echo = in.readNBytes(ping.length);
        if (echo.length != ping.length) {
            throw new IOException("the target closed the connection after " + echo.length + " bytes");
        }
    }

    private static void channel(InetSocketAddress target) throws IOException {
        try (SocketChannel channel = SocketChannel.open()) {
            channel.socket().setSoTimeout(TIMEOUT_MILLIS);
            channel.connect(target);
            channel.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
            // Reads through the socket adaptor, so that SO_TIMEOUT bounds them.
            InputStream in = channel.socket().getInputStream();
            byte[] echo = in.readNBytes(4);
            if (echo.length != 4) {
                throw new IOException("the target closed the connection after " + echo.length + " bytes");
            }
        }
    }

    private static void udp(InetSocketAddress target) throws IOException {
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.bind(new InetSocketAddress("127.0.0.1", 0));
            channel.socket().setSoTimeout(UDP_TIMEOUT_MILLIS);
            byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
            channel.send(ByteBuffer.wrap(ping), target);
            java.net.DatagramPacket packet = new java.net.DatagramPacket(new byte[64], 64);
            try {
                channel.socket().receive(packet);
            } catch (SocketTimeoutException e) {
                throw new IOException("no echo within " + UDP_TIMEOUT_MILLIS + " ms", e);
            }
            String reply = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
            if (!reply.equals("ping")) {
                // The targets answer a sender they turn away, so that a refused round ends at once.
                throw new IOException("the target answered '" + reply + "'");
            }
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
