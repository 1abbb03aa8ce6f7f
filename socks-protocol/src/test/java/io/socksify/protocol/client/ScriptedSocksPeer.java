package io.socksify.protocol.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real loopback server (127.0.0.1, port 0) that accepts one connection and plays a script: expect these exact bytes,
 * send those, send one byte at a time, stall, close mid-message. Build the bytes with the wire codec. Failures on the
 * peer's side (bytes that differ from the script) are rethrown by {@link #await()}.
 *
 * <pre>
 * try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(
 *         expect(hex("05 01 00")), send(new Socks5InitialResponse(NO_AUTH).toBytes()), stall())) {
 *     ... run a client against peer.address() ...
 *     peer.await();
 * }
 * </pre>
 *
 * It is test code meant for reuse: the server's tests may script a client the same way.
 */
public final class ScriptedSocksPeer implements AutoCloseable {
    /** How long any one step may wait for the client; generous, only a hung client reaches it. */
    private static final int STEP_TIMEOUT_MILLIS = 10_000;

    /** One step of a script, run on the peer's thread. */
    @FunctionalInterface
    public interface Step {
        void run(Socket socket, InputStream in, OutputStream out, ScriptedSocksPeer peer) throws Exception;
    }

    private final ServerSocket server;
    private final List<Step> steps;
    private final Thread thread;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private volatile Socket socket;
    private volatile Throwable failure;
    private volatile boolean clientClosed;

    private ScriptedSocksPeer(List<Step> steps) throws IOException {
        this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.steps = steps;
        this.thread = new Thread(this::play, "scripted-socks-peer-" + server.getLocalPort());
        this.thread.setDaemon(true);
    }

    public static ScriptedSocksPeer start(Step... steps) throws IOException {
        ScriptedSocksPeer peer = new ScriptedSocksPeer(List.of(steps));
        peer.thread.start();
        return peer;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** @return the bytes the client sent that the script has read so far */
    public synchronized byte[] received() {
        return received.toByteArray();
    }

    /** @return whether a {@link #stall()} or {@link #expectEndOfStream()} step saw the client close */
    public boolean clientClosed() {
        return clientClosed;
    }

    /** Waits for the script to finish and rethrows what went wrong on the peer's side. */
    public void await() throws Exception {
        thread.join(TimeUnit.SECONDS.toMillis(20));
        if (thread.isAlive()) {
            throw new AssertionError("the scripted peer is still running");
        }
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    private void play() {
        try (ServerSocket s = server; Socket accepted = s.accept()) {
            socket = accepted;
            accepted.setSoTimeout(STEP_TIMEOUT_MILLIS);
            accepted.setTcpNoDelay(true);
            InputStream in = accepted.getInputStream();
            OutputStream out = accepted.getOutputStream();
            for (Step step : steps) {
                step.run(accepted, in, out, this);
            }
        } catch (Throwable t) {
            if (!server.isClosed() || failure == null) {
                failure = t;
            }
        }
    }

    private synchronized void record(byte[] bytes, int length) {
        received.write(bytes, 0, length);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Socket s = socket;
        if (s != null) {
            s.close();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads exactly {@code bytes.length} bytes and fails the script if they differ. */
    public static Step expect(byte[] bytes) {
        return (socket, in, out, peer) -> {
            byte[] actual = in.readNBytes(bytes.length);
            peer.record(actual, actual.length);
            if (!Arrays.equals(bytes, actual)) {
                throw new AssertionError("the client sent " + hex(actual) + ", expected " + hex(bytes));
            }
        };
    }

    /** Sends the parts in one write. */
    public static Step send(byte[]... parts) {
        return (socket, in, out, peer) -> {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] part : parts) {
                all.write(part);
            }
            out.write(all.toByteArray());
            out.flush();
        };
    }

    /** Sends one byte per write, with a short pause between them, so each arrives in a segment of its own. */
    public static Step sendByteByByte(byte[] bytes) {
        return (socket, in, out, peer) -> {
            for (byte b : bytes) {
                out.write(b);
                out.flush();
                Thread.sleep(2);
            }
        };
    }

    public static Step pause(long millis) {
        return (socket, in, out, peer) -> Thread.sleep(millis);
    }

    /** Holds the connection open, sending nothing, until the client closes it (or the peer is closed). */
    public static Step stall() {
        return (socket, in, out, peer) -> {
            socket.setSoTimeout(0);
            byte[] buffer = new byte[256];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                peer.record(buffer, n);
            }
            peer.clientClosed = true;
        };
    }

    /** Expects the client to close the connection without sending anything more. */
    public static Step expectEndOfStream() {
        return (socket, in, out, peer) -> {
            try {
                int b = in.read();
                if (b >= 0) {
                    throw new AssertionError("the client sent 0x" + Integer.toHexString(b) + ", expected it to close");
                }
                peer.clientClosed = true;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the client did not close the connection", e);
            }
        };
    }

    /** Closes the connection, possibly mid-message (the script's end does so too). */
    public static Step hangUp() {
        return (socket, in, out, peer) -> socket.close();
    }

    /** Hex with spaces, for messages. */
    public static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    /** @param hex bytes in hex; spaces, and comments from {@code #} to the end of a line, are ignored */
    public static byte[] hex(String hex) {
        StringBuilder clean = new StringBuilder();
        for (String line : hex.split("\n")) {
            int hash = line.indexOf('#');
            clean.append((hash >= 0 ? line.substring(0, hash) : line).replaceAll("\\s", ""));
        }
        return HexFormat.of().parseHex(clean.toString());
    }

    /** @return the parts joined */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }
}
