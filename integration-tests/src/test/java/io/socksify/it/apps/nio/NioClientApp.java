package io.socksify.it.apps.nio;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Connections made the ways NIO applications make them, run under the agent by the NIO ITs:
 * {@code <kind> <host> <port> [count or bytes]}. Kinds: {@code blocking} ({@code SocketChannel.open(address)}),
 * {@code adaptor} ({@code channel.socket().connect(address, timeout)}), {@code selector} (count non-blocking channels
 * on one selector, OP_CONNECT then {@code finishConnect}), {@code future} and {@code handler}
 * ({@code AsynchronousSocketChannel}), {@code http} and {@code https} ({@code java.net.http.HttpClient} GET, plain
 * and TLS), {@code stall} (count non-blocking connects on one selector thread, timed: {@code CONNECT_CALLS_MICROS}
 * inside the {@code connect()} calls, {@code FIRST} connected after the first connect began, {@code SPREAD} from
 * the first to the last connected, {@code CPU_MICROS} of the selector thread from before the first connect),
 * {@code bulk-blocking}, {@code bulk-selector}, {@code bulk-async}
 * (bytes each way through an echo target, compared by SHA-256).
 *
 * <p>Prints {@code REMOTE <address>} and {@code OK}, or {@code FAILED <exception class> <message>},
 * {@code KIND <standard exception type>} and {@code ELAPSED <ms>} and exits with 3.
 */
public final class NioClientApp {
    private static final byte[] MESSAGE = "hello through socksify\n".getBytes(StandardCharsets.UTF_8);

    private NioClientApp() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        InetSocketAddress address = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        long start = System.nanoTime();
        try {
            switch (kind) {
                case "blocking" -> {
                    try (SocketChannel ch = SocketChannel.open(address)) {
                        echo(ch);
                    }
                }
                case "adaptor" -> {
                    try (SocketChannel ch = SocketChannel.open()) {
                        ch.socket().connect(address, 5_000);
                        System.out.println("ADAPTOR " + ch.socket().getInetAddress() + " " + ch.socket().getPort());
                        echo(ch);
                    }
                }
                case "selector" -> selector(address, count);
                case "future" -> {
                    try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                        ch.connect(address).get(30, TimeUnit.SECONDS);
                        echo(ch);
                    }
                }
                case "handler" -> {
                    try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                        CompletableFuture<Void> done = new CompletableFuture<>();
                        int[] calls = new int[1];
                        ch.connect(address, "attachment", new CompletionHandler<Void, String>() {
                            @Override
                            public void completed(Void result, String attachment) {
                                synchronized (calls) {
                                    calls[0]++;
                                }
                                done.complete(null);
                            }

                            @Override
                            public void failed(Throwable exc, String attachment) {
                                synchronized (calls) {
                                    calls[0]++;
                                }
                                System.out.println("HANDLER FAILED ON " + Thread.currentThread().getName());
                                done.completeExceptionally(exc);
                            }
                        });
                        done.get(30, TimeUnit.SECONDS);
                        Thread.sleep(100);
                        synchronized (calls) {
                            System.out.println("HANDLER CALLS " + calls[0]);
                        }
                        echo(ch);
                    }
                }
                case "http", "https" -> {
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(10)).build();
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create(kind + "://" + args[1] + ":" + args[2] + "/")).timeout(Duration.ofSeconds(10))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    System.out.println("STATUS " + r.statusCode());
                    System.out.print("BODY " + r.body());
                }
                case "stall" -> stall(address, count);
                case "bulk-blocking" -> {
                    try (SocketChannel ch = SocketChannel.open(address)) {
                        bulkBlocking(ch, count);
                    }
                }
                case "bulk-selector" -> bulkSelector(address, count);
                case "bulk-async" -> {
                    try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                        ch.connect(address).get(30, TimeUnit.SECONDS);
                        bulkAsync(ch, count);
                    }
                }
                default -> throw new IllegalArgumentException("kind: " + kind);
            }
            System.out.println("OK");
        } catch (IOException | ExecutionException e) {
            Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            System.out.println("FAILED " + t.getClass().getName() + " " + t.getMessage());
            System.out.println("KIND " + kind(t));
            System.out.println("ELAPSED " + (System.nanoTime() - start) / 1_000_000);
            System.exit(3);
        }
    }

    private static String kind(Throwable e) {
        for (Class<?> c : new Class<?>[] {java.net.SocketTimeoutException.class, java.net.UnknownHostException.class,
            java.net.NoRouteToHostException.class, java.net.ConnectException.class, java.net.SocketException.class,
            IOException.class}) {
            if (c.isInstance(e)) {
                return c.getSimpleName();
            }
        }
        return e.getClass().getSimpleName();
    }

    private static void echo(SocketChannel ch) throws IOException {
        System.out.println("REMOTE " + ch.getRemoteAddress());
        ch.write(ByteBuffer.wrap(MESSAGE));
        ByteBuffer back = ByteBuffer.allocate(MESSAGE.length);
        while (back.hasRemaining()) {
            if (ch.read(back) < 0) {
                throw new IOException("echo: end of stream");
            }
        }
        check(back.array());
    }

    private static void echo(AsynchronousSocketChannel ch) throws Exception {
        System.out.println("REMOTE " + ch.getRemoteAddress());
        ch.write(ByteBuffer.wrap(MESSAGE)).get(10, TimeUnit.SECONDS);
        ByteBuffer back = ByteBuffer.allocate(MESSAGE.length);
        while (back.hasRemaining()) {
            if (ch.read(back).get(10, TimeUnit.SECONDS) < 0) {
                throw new IOException("echo: end of stream");
            }
        }
        check(back.array());
    }

    private static void check(byte[] back) throws IOException {
        if (!Arrays.equals(MESSAGE, back)) {
            throw new IOException("echo mismatch: " + new String(back, StandardCharsets.UTF_8));
        }
        System.out.println("ECHO ok");
    }

    /** {@code count} channels connect at once on one selector, each echoes, as an event loop would do it. */
    private static void selector(InetSocketAddress address, int count) throws IOException {
        try (Selector selector = Selector.open()) {
            List<SocketChannel> channels = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open();
                channels.add(ch);
                ch.configureBlocking(false);
                if (ch.connect(address)) {
                    throw new IOException("connect() returned true before the SOCKS reply");
                }
                if (ch.isConnected() || !ch.isConnectionPending()) {
                    throw new IOException("channel reports connected before the SOCKS reply");
                }
                ch.register(selector, SelectionKey.OP_CONNECT, ByteBuffer.allocate(MESSAGE.length));
            }
            System.out.println("REMOTE " + channels.get(0).getRemoteAddress());
            int echoed = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (echoed < count) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("only " + echoed + " of " + count + " channels echoed in time");
                }
                selector.select(1_000);
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    SocketChannel ch = (SocketChannel) key.channel();
                    if (key.isConnectable()) {
                        // Netty throws new Error() here when finishConnect is false after OP_CONNECT.
                        if (!ch.finishConnect()) {
                            throw new IOException("finishConnect() false after OP_CONNECT");
                        }
                        ch.write(ByteBuffer.wrap(MESSAGE));
                        key.interestOps(SelectionKey.OP_READ);
                    } else if (key.isReadable()) {
                        ByteBuffer back = (ByteBuffer) key.attachment();
                        if (ch.read(back) < 0) {
                            throw new IOException("echo: end of stream");
                        }
                        if (!back.hasRemaining()) {
                            check(back.array());
                            echoed++;
                            key.cancel();
                            ch.close();
                        }
                    }
                }
            }
            System.out.println("ECHOED " + echoed);
            for (SocketChannel ch : channels) {
                ch.close();
            }
        }
    }

    /**
     * {@code count} non-blocking connects started together on this (the selector) thread; prints the time spent inside
     * the {@code connect()} calls, when the first channel connected, how long it took from the first connected channel
     * to the last, and the CPU time this thread used from before the first connect to the last connected.
     */
    private static void stall(InetSocketAddress address, int count) throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        // One connection first, as a running event loop has made before: the measurement is of the steady state,
        // not of loading the JDK's and socksify's classes.
        try (Selector selector = Selector.open(); SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(false);
            ch.connect(address);
            ch.register(selector, SelectionKey.OP_CONNECT);
            while (!ch.finishConnect()) {
                selector.select(1_000);
            }
        }
        try (Selector selector = Selector.open()) {
            List<SocketChannel> channels = new ArrayList<>();
            long begin = System.nanoTime();
            long cpuBegin = threads.getCurrentThreadCpuTime();
            long insideConnect = 0;
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open();
                channels.add(ch);
                ch.configureBlocking(false);
                long before = System.nanoTime();
                ch.connect(address);
                insideConnect += System.nanoTime() - before;
                ch.register(selector, SelectionKey.OP_CONNECT);
            }
            long first = 0;
            long last = 0;
            int connected = 0;
            int selects = 0;
            while (connected < count) {
                if (System.nanoTime() - begin > TimeUnit.SECONDS.toNanos(30)) {
                    throw new IOException("only " + connected + " of " + count + " connected in time");
                }
                selector.select(1_000);
                selects++;
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isConnectable()) {
                        if (!((SocketChannel) key.channel()).finishConnect()) {
                            throw new IOException("finishConnect() false after OP_CONNECT");
                        }
                        key.interestOps(0);
                        long now = System.nanoTime();
                        if (connected == 0) {
                            first = now;
                        }
                        last = now;
                        connected++;
                    }
                }
            }
            long cpuEnd = threads.getCurrentThreadCpuTime();
            System.out.println("CONNECT_CALLS_MICROS " + insideConnect / 1_000);
            System.out.println("FIRST " + (first - begin) / 1_000_000);
            System.out.println("SPREAD " + (last - first) / 1_000_000);
            System.out.println("CPU_MICROS " + (cpuEnd - cpuBegin) / 1_000);
            System.out.println("SELECTS " + selects);
            System.out.println("REMOTE " + channels.get(0).getRemoteAddress());
            for (SocketChannel ch : channels) {
                ch.close();
            }
        }
    }

    private static byte[] payload(int bytes) {
        byte[] data = new byte[bytes];
        new Random(42).nextBytes(data);
        return data;
    }

    private static void compare(byte[] sent, byte[] received) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String a = HexFormat.of().formatHex(sha.digest(sent));
            String b = HexFormat.of().formatHex(sha.digest(received));
            if (!a.equals(b)) {
                throw new IOException("bulk data differs: sent " + a + ", received " + b);
            }
            System.out.println("BULK " + sent.length + " bytes each way, sha256 " + a);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void bulkBlocking(SocketChannel ch, int bytes) throws Exception {
        System.out.println("REMOTE " + ch.getRemoteAddress());
        byte[] data = payload(bytes);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer out = ByteBuffer.wrap(data);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ByteBuffer in = ByteBuffer.allocate(bytes);
        while (in.hasRemaining()) {
            if (ch.read(in) < 0) {
                throw new IOException("bulk: end of stream after " + in.position() + " bytes");
            }
        }
        writer.get(30, TimeUnit.SECONDS);
        compare(data, in.array());
    }

    private static void bulkSelector(InetSocketAddress address, int bytes) throws IOException {
        byte[] data = payload(bytes);
        try (Selector selector = Selector.open(); SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(false);
            ch.connect(address);
            SelectionKey key = ch.register(selector, SelectionKey.OP_CONNECT);
            ByteBuffer out = ByteBuffer.wrap(data);
            ByteBuffer in = ByteBuffer.allocate(bytes);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (in.hasRemaining()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("bulk: timed out after " + in.position() + " bytes");
                }
                selector.select(1_000);
                selector.selectedKeys().clear();
                if (key.isConnectable()) {
                    if (!ch.finishConnect()) {
                        throw new IOException("finishConnect() false after OP_CONNECT");
                    }
                    System.out.println("REMOTE " + ch.getRemoteAddress());
                }
                if (!ch.isConnected()) {
                    continue;
                }
                if (out.hasRemaining()) {
                    ch.write(out);
                }
                if (ch.read(in) < 0) {
                    throw new IOException("bulk: end of stream after " + in.position() + " bytes");
                }
                key.interestOps(SelectionKey.OP_READ | (out.hasRemaining() ? SelectionKey.OP_WRITE : 0));
            }
            compare(data, in.array());
        }
    }

    private static void bulkAsync(AsynchronousSocketChannel ch, int bytes) throws Exception {
        System.out.println("REMOTE " + ch.getRemoteAddress());
        byte[] data = payload(bytes);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer out = ByteBuffer.wrap(data);
                while (out.hasRemaining()) {
                    ch.write(out).get();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        ByteBuffer in = ByteBuffer.allocate(bytes);
        while (in.hasRemaining()) {
            if (ch.read(in).get(30, TimeUnit.SECONDS) < 0) {
                throw new IOException("bulk: end of stream after " + in.position() + " bytes");
            }
        }
        writer.get(30, TimeUnit.SECONDS);
        compare(data, in.array());
    }
}
