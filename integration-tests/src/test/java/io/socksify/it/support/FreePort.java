package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * Free TCP ports for programs that cannot bind port 0 and report the port back (danted, microsocks), and a
 * bounded wait for such a program to listen.
 *
 * <p>Note: a port found free can be taken by someone else before the program binds it. Callers that start a
 * server on it retry with another port when the server fails to bind.
 */
public final class FreePort {

    private FreePort() {
    }

    /** A TCP port that is free on 127.0.0.1 right now. */
    public static int find() {
        return find(Loopback.LOCALHOST);
    }

    /** A TCP port that is free on {@code address} right now. */
    public static int find(InetAddress address) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(address, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + address.getHostAddress(), e);
        }
    }

    /**
     * Waits until a TCP connection to {@code address} succeeds, polling until {@code timeout}.
     *
     * @return {@code true} once it accepts, {@code false} after the timeout
     */
    public static boolean awaitListening(InetSocketAddress address, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(address, 500);
                return true;
            } catch (IOException e) {
                if (System.nanoTime() >= deadline) {
                    return false;
                }
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
