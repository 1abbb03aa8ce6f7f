package io.socksify.it.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 server on loopback ({@code com.sun.net.httpserver}) that serves one source address only:
 * <ul>
 *   <li>from the accepted source, {@code GET} (any path) answers 200 with {@link #BODY}, and {@code POST} or
 *       {@code PUT} answers 200 echoing the request body;</li>
 *   <li>from any other source, every request answers 403 with a body naming the source.</li>
 * </ul>
 * Every request is recorded ({@link #requests()}), as is its source ({@link #acceptedSources()},
 * {@link #rejectedSources()}).
 */
public final class HttpTarget extends RecordingTarget {

    /** The body of every accepted {@code GET}. */
    public static final String BODY = "socksify http target: hello through the proxy\n";

    private static final AtomicInteger IDS = new AtomicInteger();

    /** One request as the target saw it. */
    public record Request(InetSocketAddress source, String method, URI uri, String hostHeader, int status) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final InetSocketAddress address;
    private final List<Request> requests = new ArrayList<>();

    private final boolean tls;

    private HttpTarget(InetAddress bindAddress, InetAddress acceptedSource, boolean tls) throws IOException {
        super(acceptedSource);
        this.tls = tls;
        int id = IDS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "it-target-HttpTarget-" + id + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        if (tls) {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(bindAddress, 0), 50);
            https.setHttpsConfigurator(new HttpsConfigurator(TlsEchoTarget.serverContext()));
            this.server = https;
        } else {
            this.server = HttpServer.create(new InetSocketAddress(bindAddress, 0), 50);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        this.address = server.getAddress();
    }

    /** On 127.0.0.1, any port, serving only requests from {@code source}. */
    public static HttpTarget acceptingOnly(InetAddress source) {
        return start(Loopback.LOCALHOST, source);
    }

    /** On 127.0.0.1, any port, serving every source (still recording them). */
    public static HttpTarget acceptingAny() {
        return start(Loopback.LOCALHOST, null);
    }

    /**
     * On {@code bindAddress}, any port.
     *
     * @param acceptedSource the only source served, or {@code null} for any
     */
    public static HttpTarget start(InetAddress bindAddress, InetAddress acceptedSource) {
        return start(bindAddress, acceptedSource, false);
    }

    /**
     * HTTPS on 127.0.0.1, any port, serving only requests from {@code source}, with {@link TlsEchoTarget}'s
     * certificate (trusted by {@link TlsEchoTarget#clientContext()} and {@link TlsEchoTarget#trustStoreJvmArgs()}).
     */
    public static HttpTarget tlsAcceptingOnly(InetAddress source) {
        return start(Loopback.LOCALHOST, source, true);
    }

    private static HttpTarget start(InetAddress bindAddress, InetAddress acceptedSource, boolean tls) {
        try {
            return new HttpTarget(bindAddress, acceptedSource, tls);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start an HTTP server on " + bindAddress.getHostAddress(), e);
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** {@code http://<ip>:<port>/} ({@code https} for a TLS target). */
    public URI uri() {
        return uri("/");
    }

    /** {@code http://<ip>:<port><path>}; {@code path} starts with {@code /}. */
    public URI uri(String path) {
        return URI.create(scheme() + "://" + host() + ":" + port() + path);
    }

    /** {@code http://<hostname>:<port><path>}, for a name the client (or the proxy) resolves to this target. */
    public URI uri(String hostname, String path) {
        return URI.create(scheme() + "://" + hostname + ":" + port() + path);
    }

    private String scheme() {
        return tls ? "https" : "http";
    }

    /** Every request so far, in arrival order. */
    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            InetSocketAddress source = exchange.getRemoteAddress();
            boolean ok = admit(source);
            byte[] body;
            int status;
            if (!ok) {
                status = 403;
                body = ("rejected: " + source.getAddress().getHostAddress() + " is not "
                        + acceptedSource().map(InetAddress::getHostAddress).orElse("?") + "\n")
                        .getBytes(StandardCharsets.UTF_8);
            } else if (exchange.getRequestMethod().equals("POST") || exchange.getRequestMethod().equals("PUT")) {
                status = 200;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
            } else {
                status = 200;
                body = BODY.getBytes(StandardCharsets.UTF_8);
            }
            synchronized (this) {
                requests.add(new Request(source, exchange.getRequestMethod(), exchange.getRequestURI(),
                        exchange.getRequestHeaders().getFirst("Host"), status));
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
