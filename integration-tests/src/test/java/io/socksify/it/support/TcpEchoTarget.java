package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * A TCP echo server on loopback that serves one source address only and records every connection's source.
 *
 * <pre>{@code
 * try (Dante dante = Dante.builder().start();
 *      TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
 *     ... connect through dante to target.address(), write, read the same bytes back ...
 *     target.assertNoRejected();
 * }
 * }</pre>
 */
public final class TcpEchoTarget extends StreamEchoTarget {

    private TcpEchoTarget(ServerSocket serverSocket, InetAddress acceptedSource) {
        super(serverSocket, acceptedSource);
    }

    /** On 127.0.0.1, any port, serving only connections from {@code source}. */
    public static TcpEchoTarget acceptingOnly(InetAddress source) {
        return start(Loopback.LOCALHOST, source);
    }

    /** On 127.0.0.1, any port, serving every source (still recording them). */
    public static TcpEchoTarget acceptingAny() {
        return start(Loopback.LOCALHOST, null);
    }

    /**
     * On {@code bindAddress}, any port.
     *
     * @param acceptedSource the only source served, or {@code null} for any
     */
    public static TcpEchoTarget start(InetAddress bindAddress, InetAddress acceptedSource) {
        try {
            ServerSocket serverSocket = new ServerSocket();
            serverSocket.bind(new InetSocketAddress(bindAddress, 0), 50);
            return new TcpEchoTarget(serverSocket, acceptedSource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindAddress.getHostAddress(), e);
        }
    }
}
