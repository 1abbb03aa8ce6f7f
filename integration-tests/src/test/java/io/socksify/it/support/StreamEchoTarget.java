package io.socksify.it.support;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;

/**
 * The accept loop and per-connection echo threads shared by {@link TcpEchoTarget} and {@link TlsEchoTarget}.
 * Each accepted connection gets back every byte it sends; when the client shuts down its output the target
 * finishes echoing, then closes.
 */
abstract class StreamEchoTarget extends RecordingTarget {

    private static final AtomicInteger IDS = new AtomicInteger();
    private static final long JOIN_MILLIS = 5_000;

    private final ServerSocket serverSocket;
    private final InetSocketAddress address;
    private final Thread acceptThread;
    private final Set<Socket> open = new HashSet<>();
    private final Set<Thread> workers = new HashSet<>();
    private volatile boolean closed;

    StreamEchoTarget(ServerSocket serverSocket, InetAddress acceptedSource) {
        super(acceptedSource);
        this.serverSocket = serverSocket;
        this.address = (InetSocketAddress) serverSocket.getLocalSocketAddress();
        String name = "it-target-" + getClass().getSimpleName() + "-" + IDS.incrementAndGet();
        this.acceptThread = new Thread(this::acceptLoop, name + "-accept");
        acceptThread.setDaemon(true);
        acceptThread.start();
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Called on the connection's thread before echoing; a TLS target does its handshake here.
     *
     * @throws IOException to drop the connection
     */
    void prepare(Socket socket) throws IOException {
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (!admit((InetSocketAddress) socket.getRemoteSocketAddress())) {
                closeQuietly(socket);
                continue;
            }
            Thread worker = new Thread(() -> serve(socket), acceptThread.getName().replace("-accept", "-conn"));
            worker.setDaemon(true);
            synchronized (this) {
                if (closed) {
                    closeQuietly(socket);
                    return;
                }
                open.add(socket);
                workers.add(worker);
            }
            worker.start();
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            prepare(socket);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) != -1) {
                out.write(buffer, 0, n);
                out.flush();
            }
            if (!(socket instanceof SSLSocket)) {
                socket.shutdownOutput();
            }
        } catch (SocketException e) {
            // Reset or closed by close(): nothing to echo any more.
        } catch (IOException e) {
            // A failed handshake or a broken connection: the client sees it; the target just drops it.
        } finally {
            synchronized (this) {
                open.remove(socket);
                workers.remove(Thread.currentThread());
            }
        }
    }

    @Override
    public void close() {
        Set<Thread> toJoin;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(serverSocket);
            open.forEach(StreamEchoTarget::closeQuietly);
            toJoin = new HashSet<>(workers);
        }
        toJoin.add(acceptThread);
        for (Thread thread : toJoin) {
            try {
                thread.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // Closing is best effort.
        }
    }
}
