package io.socksify.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A "proxy" on 127.0.0.1 that accepts TCP and then either never answers ({@link #silent()}: a black hole, for
 * timeouts) or closes after the first byte ({@link #closingMidHandshake()}).
 */
public final class BrokenProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> held = new ArrayList<>();
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

    private BrokenProxy(boolean closeMidHandshake) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(Loopback.LOCALHOST, 0), 50);
        thread = new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    if (closeMidHandshake) {
                        InputStream in = s.getInputStream();
                        in.read();
                        s.close();
                    } else {
                        synchronized (held) {
                            held.add(s);
                        }
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }, "it-broken-proxy");
        thread.setDaemon(true);
        thread.start();
    }

    /** Accepts and holds every connection, never sending a byte. */
    public static BrokenProxy silent() throws IOException {
        return new BrokenProxy(false);
    }

    /** Reads the first byte of each connection's handshake, then closes it. */
    public static BrokenProxy closingMidHandshake() throws IOException {
        return new BrokenProxy(true);
    }

    /** @return how many connections it has accepted: a proxy marked down must see no new ones */
    public int accepted() {
        return accepted.get();
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (held) {
            for (Socket s : held) {
                s.close();
            }
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
