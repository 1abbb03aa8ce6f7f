package io.socksify.it.apps.udp;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

/**
 * UDP through a GSS-API association, run under the agent by {@code GssapiUdpIT}:
 * {@code GssapiUdpApp <host> <port> <count>}. Echoes {@code count} datagrams of mixed sizes off the target with an
 * unconnected {@code DatagramSocket}, an unconnected and a connected {@code DatagramChannel}, and a non-blocking one
 * on a selector (byte-exact, from the target), then a payload too big for one token on a socket and on a channel (each must fail with a
 * {@code SocketException}: {@code TOOBIG <api> <message>}), then the largest payload the message names
 * ({@code LARGEST n}, echoed byte-exact); a datagram from a stranger (a second socket, through Dante) reaches the
 * first socket and must be dropped. Last, socksify's MBean counters: {@code METRIC <name> <value>}. Prints
 * {@code OK}; on failure {@code KIND}, {@code MESSAGE} and exit code 3.
 */
public final class GssapiUdpApp {
    private static final int TIMEOUT_MILLIS = 3_000;
    // What fits after a 10-byte header in one IPv4 datagram without protection: a token needs more.
    private static final int TOO_BIG = 65_497;

    private GssapiUdpApp() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        try {
            int largest;
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                for (int i = 0; i < count; i++) {
                    echo(socket, target, payload(i, i % 10 == 9 ? 30_000 + i : 8 + (i * 131) % 1_465));
                }
                // A stranger: a datagram to this socket from Dante's outgoing address (through a second association),
                // not from its relay, must be dropped and counted before the next echo.
                try (DatagramSocket stranger = new DatagramSocket()) {
                    InetSocketAddress self = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                            socket.getLocalPort());
                    stranger.send(new DatagramPacket(new byte[] {-1, -1, -1, -1, 7}, 5, self));
                    Thread.sleep(300);
                    echo(socket, target, payload(count + 1, 100));
                }
                largest = tooBig("socket", () -> socket.send(new DatagramPacket(new byte[TOO_BIG], TOO_BIG, target)));
                echo(socket, target, payload(count, largest));
                System.out.println("LARGEST " + largest);
            }
            for (boolean connected : new boolean[] {false, true}) {
                try (DatagramChannel channel = DatagramChannel.open()) {
                    if (connected) {
                        channel.connect(target);
                    }
                    for (int i = 0; i < count; i++) {
                        echo(channel, target, connected, payload(i, 8 + (i * 977) % 9_000));
                    }
                    tooBig(connected ? "channel-connected" : "channel", () -> {
                        if (connected) {
                            channel.write(ByteBuffer.allocate(TOO_BIG));
                        } else {
                            channel.send(ByteBuffer.allocate(TOO_BIG), target);
                        }
                    });
                }
            }
            try (DatagramChannel channel = DatagramChannel.open(); Selector selector = Selector.open()) {
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ);
                for (int i = 0; i < count; i++) {
                    echo(channel, selector, target, payload(i, 8 + (i * 577) % 5_000));
                }
            }
            System.out.println("ECHOED " + 4 * count);
            printMetrics();
            System.out.println("OK");
        } catch (IOException | RuntimeException e) {
            System.out.println("KIND " + e.getClass().getSimpleName());
            System.out.println("MESSAGE " + e.getMessage());
            e.printStackTrace();
            System.out.flush();
            System.exit(3);
        }
    }

    private interface Send {
        void send() throws IOException;
    }

    /** @return the largest payload the refusal names */
    private static int tooBig(String api, Send send) {
        try {
            send.send();
        } catch (SocketException e) {
            System.out.println("TOOBIG " + api + " " + e.getMessage());
            Matcher m = Pattern.compile("at most (\\d+) bytes").matcher(String.valueOf(e.getMessage()));
            if (!m.find()) {
                throw new IllegalStateException("no size in " + e.getMessage(), e);
            }
            return Integer.parseInt(m.group(1));
        } catch (IOException e) {
            throw new IllegalStateException(api + ": expected a SocketException, got " + e, e);
        }
        throw new IllegalStateException(api + ": a payload of " + TOO_BIG + " bytes was sent");
    }

    private static byte[] payload(int i, int size) {
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            b[k] = (byte) (i * 31 + k * 7);
        }
        ByteBuffer.wrap(b).putInt(0, i);
        return b;
    }

    private static int sequence(byte[] b, int offset, int length) {
        return length < 4 ? -1 : ByteBuffer.wrap(b, offset, length).getInt();
    }

    private static void check(byte[] sent, byte[] got, int offset, int length, SocketAddress sender,
            InetSocketAddress target) {
        int i = sequence(sent, 0, sent.length);
        if (!target.equals(sender)) {
            throw new IllegalStateException("reply " + i + " reported sender " + sender + ", expected " + target);
        }
        if (!Arrays.equals(sent, 0, sent.length, got, offset, offset + length)) {
            throw new IllegalStateException("reply " + i + " differs: " + length + " bytes, expected " + sent.length);
        }
    }

    private static void echo(DatagramSocket socket, InetSocketAddress target, byte[] sent) throws IOException {
        int i = sequence(sent, 0, sent.length);
        DatagramPacket in = new DatagramPacket(new byte[65_535], 65_535);
        for (int attempt = 0; ; attempt++) {
            socket.send(new DatagramPacket(sent, sent.length, target));
            try {
                do {
                    socket.receive(in);
                } while (sequence(in.getData(), in.getOffset(), in.getLength()) < i);
                break;
            } catch (SocketTimeoutException e) {
                if (attempt == 2) {
                    throw e;
                }
            }
        }
        check(sent, in.getData(), in.getOffset(), in.getLength(), in.getSocketAddress(), target);
    }

    private static void echo(DatagramChannel channel, InetSocketAddress target, boolean connected, byte[] sent)
            throws IOException {
        int i = sequence(sent, 0, sent.length);
        ByteBuffer in = ByteBuffer.allocate(65_535);
        SocketAddress sender;
        do {
            in.clear();
            if (connected) {
                channel.write(ByteBuffer.wrap(sent));
                channel.read(in);
                sender = channel.getRemoteAddress();
            } else {
                channel.send(ByteBuffer.wrap(sent), target);
                sender = channel.receive(in);
            }
        } while (sequence(in.array(), 0, in.position()) < i);
        check(sent, in.array(), 0, in.position(), sender, target);
    }

    /** A non-blocking channel on a selector: one send, then receives until the reply (a null is a dropped one). */
    private static void echo(DatagramChannel channel, Selector selector, InetSocketAddress target, byte[] sent)
            throws IOException {
        int i = sequence(sent, 0, sent.length);
        if (channel.send(ByteBuffer.wrap(sent), target) != sent.length) {
            throw new IllegalStateException("non-blocking send " + i + " did not send it all");
        }
        ByteBuffer in = ByteBuffer.allocateDirect(65_535);
        byte[] got = new byte[65_535];
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
            if (sequence(got, 0, length) == i) {
                check(sent, got, 0, length, sender, target);
                return;
            }
        }
    }

    private static void printMetrics() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName agent = new ObjectName("io.socksify:type=Agent");
        for (String name : new String[] {"UdpAssociations", "UdpDatagramsSent", "UdpDatagramsReceived",
                "UdpDatagramsDropped"}) {
            System.out.println("METRIC " + name + " " + server.getAttribute(agent, name));
        }
        TabularData byMethod = (TabularData) server.getAttribute(agent, "ConnectionsByAuthMethod");
        for (Object row : byMethod.values()) {
            CompositeData data = (CompositeData) row;
            System.out.println("METRIC auth " + data.get("key") + " " + data.get("value"));
        }
        System.out.println("METRIC Configuration " + server.getAttribute(agent, "Configuration"));
    }
}
