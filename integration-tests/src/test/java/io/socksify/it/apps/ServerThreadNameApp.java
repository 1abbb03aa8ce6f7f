package io.socksify.it.apps;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Under {@code proxy=embedded}: {@code <host> <tcp port> <udp port>}. A thread named {@code worker}, then one named
 * like the embedded server's threads ({@code socksify-server-<port>-...}), each connect a {@code SocketChannel} and send a
 * datagram on a {@code DatagramChannel} to the echo targets and wait for the echo; each prints
 * {@code TCP <thread> <local port>} and {@code UDP <thread> <local port>}. Routed, the targets see the server's ports,
 * never these.
 */
public final class ServerThreadNameApp {
    private ServerThreadNameApp() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress tcp = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        InetSocketAddress udp = new InetSocketAddress(args[0], Integer.parseInt(args[2]));
        String prefix = null;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            int loop = name.indexOf("-loop-");
            if (name.startsWith("socksify-server-") && loop > 0) {
                prefix = name.substring(0, loop + 1);
            }
        }
        if (prefix == null) {
            throw new IllegalStateException("no embedded server thread found");
        }
        for (String name : new String[] {"worker", prefix + "evil"}) {
            Thread t = new Thread(() -> {
                try {
                    run(tcp, udp);
                } catch (Exception e) {
                    System.out.println("FAILED " + Thread.currentThread().getName() + " " + e);
                }
            }, name);
            t.start();
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        System.out.println("DONE");
    }

    private static void run(InetSocketAddress tcp, InetSocketAddress udp) throws Exception {
        byte[] message = "named\n".getBytes(StandardCharsets.UTF_8);
        String name = Thread.currentThread().getName();
        try (SocketChannel ch = SocketChannel.open(tcp)) {
            ch.write(ByteBuffer.wrap(message));
            ByteBuffer back = ByteBuffer.allocate(message.length);
            while (back.hasRemaining() && ch.read(back) >= 0) {
                // until the echo is back
            }
            System.out.println("TCP " + name + " " + ((InetSocketAddress) ch.getLocalAddress()).getPort());
        }
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.send(ByteBuffer.wrap(message), udp);
            ch.receive(ByteBuffer.allocate(64));
            System.out.println("UDP " + name + " " + ((InetSocketAddress) ch.getLocalAddress()).getPort());
        }
    }
}
