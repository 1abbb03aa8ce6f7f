package io.socksify.it.apps.guard;

import java.io.FileDescriptor;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.management.ObjectName;

/**
 * Reaches the operating system past socksify's routing hooks, the way no application should but a path socksify
 * does not know yet might: it calls {@code sun.nio.ch.Net.connect} and {@code DatagramChannelImpl.send(FileDescriptor,
 * ...)} by reflection (needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}), skipping the hooked
 * {@code SocketChannelImpl.connect} and {@code DatagramChannelImpl.send(ByteBuffer, SocketAddress)}. Args:
 * {@code <routed-host> <routed-port> <leak-host> <tcp-leak-port> <udp-leak-port> [<go-file>]}. With a go-file (the
 * attach test) it first makes the same reflective connect as {@code beforeAttach} (socksify is not there yet),
 * prints {@code READY} and waits until the file exists before the rest.
 *
 * <p>Prints {@code ROUTED <n>} for each ordinary connection to the routed target that echoed; {@code REFUSED <site>
 * <exception class> <message>} for each reflective attempt that failed ({@code SENT <site>} if it got through);
 * {@code LEAKS <LeaksBlocked of the MBean>}; {@code OK}.
 */
public final class GuardApp {
    private GuardApp() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress routed = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        InetAddress leakHost = InetAddress.getByName(args[2]);
        int tcpLeak = Integer.parseInt(args[3]);
        int udpLeak = Integer.parseInt(args[4]);

        if (args.length > 5) {
            report("beforeAttach", () -> connectBehindHooks(leakHost, tcpLeak));
            System.out.println("READY");
            java.nio.file.Path go = java.nio.file.Path.of(args[5]);
            while (!java.nio.file.Files.exists(go)) {
                Thread.sleep(20);
            }
        }
        socketEcho(routed, 1);
        channelEcho(routed, 2);
        // One call site twice (one WARN), a second call site once (a second WARN), a datagram (a third).
        for (int i = 0; i < 2; i++) {
            report("connectBehindHooks", () -> connectBehindHooks(leakHost, tcpLeak));
        }
        report("otherCallSite", () -> otherCallSite(leakHost, tcpLeak));
        report("sendBehindHooks", () -> sendBehindHooks(new InetSocketAddress(leakHost, udpLeak)));
        // The guard refuses only what no router decided: ordinary connections still go through the proxy.
        socketEcho(routed, 3);
        channelEcho(routed, 4);
        ObjectName agent = new ObjectName("io.socksify:type=Agent");
        boolean underAgent = ManagementFactory.getPlatformMBeanServer().isRegistered(agent);
        System.out.println("LEAKS " + (underAgent
                ? ManagementFactory.getPlatformMBeanServer().getAttribute(agent, "LeaksBlocked") : "no agent"));
        System.out.println("OK");
    }

    private interface Attempt {
        void run() throws Exception;
    }

    private static void report(String site, Attempt attempt) {
        try {
            attempt.run();
            System.out.println("SENT " + site);
        } catch (Exception e) {
            Throwable t = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            System.out.println("REFUSED " + site + " " + t.getClass().getName() + " " + t.getMessage());
        }
    }

    private static void connectBehindHooks(InetAddress host, int port) throws Exception {
        try (SocketChannel channel = SocketChannel.open()) {
            net().invoke(null, fd(channel), host, port);
        }
    }

    private static void otherCallSite(InetAddress host, int port) throws Exception {
        try (SocketChannel channel = SocketChannel.open()) {
            net().invoke(null, fd(channel), host, port);
        }
    }

    private static void sendBehindHooks(InetSocketAddress target) throws Exception {
        try (DatagramChannel channel = DatagramChannel.open()) {
            Method send = channel.getClass().getDeclaredMethod("send", FileDescriptor.class, ByteBuffer.class,
                    InetSocketAddress.class);
            send.setAccessible(true);
            send.invoke(channel, fd(channel), ByteBuffer.wrap("leak".getBytes(StandardCharsets.UTF_8)), target);
        }
    }

    private static Method net() throws ReflectiveOperationException {
        Method connect = Class.forName("sun.nio.ch.Net").getDeclaredMethod("connect", FileDescriptor.class,
                InetAddress.class, int.class);
        connect.setAccessible(true);
        return connect;
    }

    private static FileDescriptor fd(Object channel) throws ReflectiveOperationException {
        Field fd = channel.getClass().getDeclaredField("fd");
        fd.setAccessible(true);
        return (FileDescriptor) fd.get(channel);
    }

    private static void socketEcho(InetSocketAddress target, int n) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(target, 5_000);
            s.setSoTimeout(10_000);
            byte[] message = ("socket " + n + "\n").getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(message);
            check(message, s.getInputStream().readNBytes(message.length));
        }
        System.out.println("ROUTED " + n);
    }

    private static void channelEcho(InetSocketAddress target, int n) throws Exception {
        try (SocketChannel ch = SocketChannel.open(target)) {
            byte[] message = ("channel " + n + "\n").getBytes(StandardCharsets.UTF_8);
            ch.write(ByteBuffer.wrap(message));
            ch.socket().setSoTimeout(10_000);
            check(message, ch.socket().getInputStream().readNBytes(message.length));
        }
        System.out.println("ROUTED " + n);
    }

    private static void check(byte[] sent, byte[] back) {
        if (!Arrays.equals(sent, back)) {
            throw new IllegalStateException("echo mismatch");
        }
    }
}
