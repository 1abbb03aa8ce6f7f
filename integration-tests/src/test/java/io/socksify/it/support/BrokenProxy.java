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
 * timeouts), closes after the first byte ({@link #closingMidHandshake()}), or selects GSS-API and closes after the
 * client's first context token ({@link #closingMidGssapiContext()}).
 */
public final class BrokenProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> held = new ArrayList<>();
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

    private enum Mode { SILENT, CLOSE_MID_HANDSHAKE, CLOSE_MID_GSSAPI_CONTEXT }

    private BrokenProxy(Mode mode) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(Loopback.LOCALHOST, 0), 50);
        thread = new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    if (mode == Mode.CLOSE_MID_HANDSHAKE) {
                        InputStream in = s.getInputStream();
                        in.read();
                        s.close();
                    } else if (mode == Mode.CLOSE_MID_GSSAPI_CONTEXT) {
                        closeMidGssapiContext(s);
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
        return new BrokenProxy(Mode.SILENT);
    }

    /** Reads the first byte of each connection's handshake, then closes it. */
    public static BrokenProxy closingMidHandshake() throws IOException {
        return new BrokenProxy(Mode.CLOSE_MID_HANDSHAKE);
    }

    /**
     * Reads the SOCKS5 greeting, selects GSS-API (method 1), reads the client's whole first RFC 1961 context token,
     * then closes without answering it: a proxy giving up mid-context.
     */
    public static BrokenProxy closingMidGssapiContext() throws IOException {
        return new BrokenProxy(Mode.CLOSE_MID_GSSAPI_CONTEXT);
    }

    private static void closeMidGssapiContext(Socket s) throws IOException {
        try (s) {
            s.setSoTimeout(10_000);
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            in.readUnsignedByte();
            in.readFully(new byte[in.readUnsignedByte()]);
            s.getOutputStream().write(new byte[] {5, 1});
            in.readUnsignedShort();
            in.readFully(new byte[in.readUnsignedShort()]);
        } catch (IOException e) {
            // the client went first; nothing to tell
        }
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
