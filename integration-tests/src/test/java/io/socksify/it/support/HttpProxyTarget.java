package io.socksify.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy an application chooses itself ({@code http.proxyHost}, {@code new Proxy(Proxy.Type.HTTP, ...)}),
 * serving one source address only, as a {@link RecordingTarget}: {@code CONNECT host:port} opens a tunnel to that
 * address; a request in absolute form ({@code GET http://host:port/path}) is forwarded, in origin form, to
 * {@code upstream} whatever its host (so a URL's host need not resolve anywhere), and the answer relayed back.
 * Connections from any other source are closed at once. The proxy's own connections go out directly (it runs in the
 * test JVM, without the agent). The first line of every request served is recorded ({@link #requests()}).
 */
public final class HttpProxyTarget extends RecordingTarget {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final ServerSocket serverSocket;
    private final InetSocketAddress address;
    private final InetSocketAddress upstream;
    private final Thread acceptThread;
    private final Set<Socket> open = new HashSet<>();
    private final Set<Thread> threads = new HashSet<>();
    private final List<String> requests = new ArrayList<>();
    private volatile boolean closed;

    private HttpProxyTarget(ServerSocket serverSocket, InetAddress acceptedSource, InetSocketAddress upstream) {
        super(acceptedSource);
        this.serverSocket = serverSocket;
        this.address = (InetSocketAddress) serverSocket.getLocalSocketAddress();
        this.upstream = upstream;
        this.acceptThread = new Thread(this::acceptLoop, "it-target-HttpProxyTarget-" + IDS.incrementAndGet());
        acceptThread.setDaemon(true);
        acceptThread.start();
    }

    /**
     * On {@code bindAddress}, any port.
     *
     * @param acceptedSource the only source served, or {@code null} for any
     * @param upstream       where requests in absolute form are forwarded
     */
    public static HttpProxyTarget start(InetAddress bindAddress, InetAddress acceptedSource,
            InetSocketAddress upstream) {
        try {
            ServerSocket serverSocket = new ServerSocket();
            serverSocket.bind(new InetSocketAddress(bindAddress, 0), 50);
            return new HttpProxyTarget(serverSocket, acceptedSource, upstream);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindAddress.getHostAddress(), e);
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** The request lines served so far ({@code CONNECT 127.0.0.1:4711 HTTP/1.1}, {@code GET http://... HTTP/1.1}). */
    public synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = serverSocket.accept();
            } catch (IOException e) {
                return;
            }
            if (!admit((InetSocketAddress) client.getRemoteSocketAddress())) {
                closeQuietly(client);
                continue;
            }
            track(client);
            spawn("client", () -> serve(client));
        }
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            int lineEnd = head.indexOf("\r\n");
            String requestLine = head.substring(0, lineEnd);
            String[] parts = requestLine.split(" ");
            synchronized (this) {
                requests.add(requestLine);
            }
            Socket server;
            if (parts[0].equals("CONNECT")) {
                int colon = parts[1].lastIndexOf(':');
                server = new Socket(parts[1].substring(0, colon), Integer.parseInt(parts[1].substring(colon + 1)));
                track(server);
                client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
            } else {
                URI uri = URI.create(parts[1]);
                String path = uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
                if (uri.getRawQuery() != null) {
                    path += "?" + uri.getRawQuery();
                }
                server = new Socket(upstream.getAddress(), upstream.getPort());
                track(server);
                StringBuilder forwarded = new StringBuilder(parts[0] + " " + path + " " + parts[2] + "\r\n");
                for (String header : head.substring(lineEnd + 2).split("\r\n")) {
                    if (!header.isEmpty() && !header.regionMatches(true, 0, "Proxy-", 0, 6)) {
                        forwarded.append(header).append("\r\n");
                    }
                }
                forwarded.append("\r\n");
                server.getOutputStream().write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
            }
            Socket upstreamSocket = server;
            spawn("relay", () -> relay(upstreamSocket, client));
            relay(client, server);
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("end of stream in the request head");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Copies {@code from} to {@code to} until end of stream, then closes both. */
    private static void relay(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // One side closed: the tunnel ends.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private synchronized void track(Socket socket) {
        open.add(socket);
    }

    private synchronized void spawn(String role, Runnable task) {
        Thread thread = new Thread(task, acceptThread.getName() + "-" + role);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing on the way out.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // Closing on the way out.
        }
        List<Thread> toJoin;
        synchronized (this) {
            open.forEach(HttpProxyTarget::closeQuietly);
            toJoin = new ArrayList<>(threads);
        }
        toJoin.add(acceptThread);
        for (Thread thread : toJoin) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
