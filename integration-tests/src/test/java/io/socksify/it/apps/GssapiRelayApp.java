package io.socksify.it.apps;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Channels;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Every TCP path of an application, one after the other in one JVM, through a GSS-API proxy at a level that wraps
 * (the agent's relay): {@code <echo host> <echo port> <tls echo port> <http host> <http port> <bytes>}. Each path
 * checks that the peer it reports is the real destination and echoes; {@code Socket}, the blocking channel and the
 * asynchronous channel also send {@code bytes} each way, compared by SHA-256, ending with a half-close (the echo
 * target closes after the end of stream it reads). Between the paths and the HTTP client, every connection is closed:
 * socksify's relay thread must be gone then.
 *
 * <p>Prints one {@code <PATH> ok} line per path and {@code OK}, or {@code FAILED <exception class> <message>} and
 * {@code KIND <standard exception type>}, exit code 3.
 */
public final class GssapiRelayApp {
    private static final byte[] MESSAGE = "hello through the GSS-API relay\n".getBytes(StandardCharsets.UTF_8);
    private static final String RELAY = "socksify-gssapi-relay";

    private GssapiRelayApp() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress echo = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int tlsPort = Integer.parseInt(args[2]);
        String httpHost = args[3];
        int httpPort = Integer.parseInt(args[4]);
        int bytes = Integer.parseInt(args[5]);
        try {
            try (Socket s = new Socket()) {
                s.connect(echo, 20_000);
                peer("SOCKET", s.getRemoteSocketAddress(), echo);
                if (!s.getInetAddress().equals(echo.getAddress()) || s.getPort() != echo.getPort()) {
                    throw new IOException("getInetAddress/getPort: " + s.getInetAddress() + " " + s.getPort());
                }
                System.out.println("LOCAL " + s.getLocalAddress().getHostAddress());
                relayThread(true);
                s.getOutputStream().write(MESSAGE);
                check(s.getInputStream().readNBytes(MESSAGE.length));
                bulk(s.getInputStream(), s.getOutputStream(), s::shutdownOutput, bytes);
                System.out.println("SOCKET ok");
            }
            try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket("localhost", tlsPort)) {
                s.getOutputStream().write(MESSAGE);
                s.getOutputStream().flush();
                check(s.getInputStream().readNBytes(MESSAGE.length));
                System.out.println("SSL ok");
            }
            try (SocketChannel ch = SocketChannel.open(echo)) {
                peer("BLOCKING", ch.getRemoteAddress(), echo);
                ch.write(ByteBuffer.wrap(MESSAGE));
                InputStream in = ch.socket().getInputStream();
                check(in.readNBytes(MESSAGE.length));
                bulk(in, ch.socket().getOutputStream(), () -> ch.shutdownOutput(), bytes);
                System.out.println("BLOCKING ok");
            }
            selector(echo, 3);
            try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                ch.connect(echo).get(30, TimeUnit.SECONDS);
                peer("FUTURE", ch.getRemoteAddress(), echo);
                ch.write(ByteBuffer.wrap(MESSAGE)).get(10, TimeUnit.SECONDS);
                InputStream in = Channels.newInputStream(ch);
                check(in.readNBytes(MESSAGE.length));
                bulk(in, Channels.newOutputStream(ch), () -> ch.shutdownOutput(), bytes);
                System.out.println("FUTURE ok");
            }
            try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                ch.connect(echo, "attachment", new CompletionHandler<Void, String>() {
                    @Override
                    public void completed(Void result, String attachment) {
                        done.complete(null);
                    }

                    @Override
                    public void failed(Throwable exc, String attachment) {
                        done.completeExceptionally(exc);
                    }
                });
                done.get(30, TimeUnit.SECONDS);
                peer("HANDLER", ch.getRemoteAddress(), echo);
                ch.write(ByteBuffer.wrap(MESSAGE)).get(10, TimeUnit.SECONDS);
                check(Channels.newInputStream(ch).readNBytes(MESSAGE.length));
                System.out.println("HANDLER ok");
            }
            relayThread(false);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(20)).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://" + httpHost + ":" + httpPort + "/")).timeout(Duration.ofSeconds(20))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP status " + r.statusCode());
            }
            System.out.println("HTTP ok " + r.body().strip());
            // Its pooled connection closes once idle (jdk.httpclient.keepalive.timeout): the relay thread ends then.
            relayThread(false, 30);
            System.out.println("RELAY THREAD GONE AFTER HTTP");
            System.out.println("OK");
        } catch (IOException | ExecutionException e) {
            Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            System.out.println("FAILED " + t.getClass().getName() + " " + t.getMessage());
            t.printStackTrace(System.out);
            System.out.println("KIND " + kind(t));
            System.exit(3);
        }
    }

    private static String kind(Throwable e) {
        for (Class<?> c : new Class<?>[] {java.net.SocketTimeoutException.class, java.net.ConnectException.class,
            java.net.SocketException.class, IOException.class}) {
            if (c.isInstance(e)) {
                return c.getSimpleName();
            }
        }
        return e.getClass().getSimpleName();
    }

    private static void peer(String path, SocketAddress reported, InetSocketAddress expected) throws IOException {
        if (!expected.equals(reported)) {
            throw new IOException(path + ": the peer reported is " + reported + ", not " + expected);
        }
        System.out.println(path + " REMOTE " + reported);
    }

    /** Whether the relay thread runs (while a protected connection is open) or has ended (after the last). */
    private static void relayThread(boolean expected) throws IOException, InterruptedException {
        relayThread(expected, 10);
    }

    private static void relayThread(boolean expected, int seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            List<String> threads = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                    .map(Thread::getName).filter(n -> n.startsWith("socksify-gssapi")).toList();
            boolean relay = threads.contains(RELAY);
            if (expected ? relay : threads.isEmpty()) {
                System.out.println(expected ? "RELAY THREAD RUNNING" : "RELAY THREAD GONE");
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("socksify's GSS-API threads: " + threads + " (expected "
                        + (expected ? RELAY + " running" : "none") + ")");
            }
            Thread.sleep(20);
        }
    }

    private static void check(byte[] back) throws IOException {
        if (!Arrays.equals(MESSAGE, back)) {
            throw new IOException("echo mismatch: " + new String(back, StandardCharsets.UTF_8));
        }
    }

    interface ShutdownOutput {
        void run() throws IOException;
    }

    /** {@code bytes} written (then output shut down) while read back to the end of stream, compared by SHA-256. */
    private static void bulk(InputStream in, OutputStream out, ShutdownOutput shutdown, int bytes) throws Exception {
        byte[] data = new byte[bytes];
        new Random(bytes).nextBytes(data);
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                for (int off = 0; off < bytes; off += 8192) {
                    out.write(data, off, Math.min(8192, bytes - off));
                }
                out.flush();
                shutdown.run();
                written.complete(null);
            } catch (Throwable t) {
                written.completeExceptionally(t);
            }
        }, "bulk-writer");
        writer.start();
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[16384];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            digest.update(buffer, 0, n);
            total += n;
        }
        written.get(30, TimeUnit.SECONDS);
        writer.join();
        if (total != bytes || !MessageDigest.isEqual(digest.digest(), MessageDigest.getInstance("SHA-256")
                .digest(data))) {
            throw new IOException("bulk: " + total + " bytes back of " + bytes + ", or not the same bytes");
        }
        System.out.println("BULK " + bytes + " each way, byte-exact, then end of stream after the half-close");
    }

    /** {@code count} non-blocking channels on one selector: OP_CONNECT, finishConnect, echo. */
    private static void selector(InetSocketAddress address, int count) throws IOException {
        try (Selector selector = Selector.open()) {
            List<SocketChannel> channels = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    SocketChannel ch = SocketChannel.open();
                    channels.add(ch);
                    ch.configureBlocking(false);
                    if (ch.connect(address)) {
                        throw new IOException("connect() returned true before the SOCKS reply");
                    }
                    ch.register(selector, SelectionKey.OP_CONNECT, ByteBuffer.allocate(MESSAGE.length));
                }
                int echoed = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (echoed < count) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("selector: " + echoed + " of " + count + " echoed in 30 s");
                    }
                    selector.select(1000);
                    for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        SelectionKey key = it.next();
                        it.remove();
                        SocketChannel ch = (SocketChannel) key.channel();
                        if (key.isConnectable()) {
                            if (ch.finishConnect()) {
                                peer("SELECTOR", ch.getRemoteAddress(), address);
                                ch.write(ByteBuffer.wrap(MESSAGE));
                                key.interestOps(SelectionKey.OP_READ);
                            }
                        } else if (key.isReadable()) {
                            ByteBuffer back = (ByteBuffer) key.attachment();
                            if (ch.read(back) < 0) {
                                throw new IOException("selector: end of stream");
                            }
                            if (!back.hasRemaining()) {
                                check(back.array());
                                key.cancel();
                                echoed++;
                            }
                        }
                    }
                }
            } finally {
                for (SocketChannel ch : channels) {
                    ch.close();
                }
            }
        }
        System.out.println("SELECTOR ok");
    }
}
