package io.socksify.agent.route;

import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.protocol.client.ReadTimeout;
import io.socksify.protocol.client.SocksHandshake;
import io.socksify.protocol.client.SocksProxy;
import org.slf4j.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * The blocking connect through the proxy that {@code java.net.Socket} ({@link SocketRouting}) and a blocking
 * {@code SocketChannel} share: TCP to the proxy within the budget, then the SOCKS handshake over the connection's own
 * streams, one deadline for both (SO_TIMEOUT bounds every read of the handshake, and is restored after it). Every
 * failure closes the connection; not reaching the proxy becomes the exception a direct connection would have given
 * ({@link SocketRouting#proxyUnreachable}). Nothing falls back to a direct connection.
 */
public final class ProxyConnect {
    private static final Logger LOG = Log.get("socksify");

    private ProxyConnect() {
    }

    /** The connection being made: a socket's platform impl, or a channel. */
    public interface Connection {
        /** The JDK's own timed connect; may close the connection when it fails. */
        void connect(InetSocketAddress proxy, int timeoutMillis) throws IOException;

        InputStream input() throws IOException;

        OutputStream output() throws IOException;

        int soTimeout() throws IOException;

        void soTimeout(int millis) throws IOException;

        /** Closes after a failure, adding a failure of the close to {@code failure}. */
        void close(Throwable failure);
    }

    /**
     * Connects {@code connection} to the proxy and runs the handshake for {@code route}; on return the proxy relays to
     * the destination.
     *
     * @param kind "socket" or "channel", for the log
     * @throws ClosedChannelException as thrown by the connection's connect (closed meanwhile: not the proxy's fault)
     */
    public static void connect(Router router, Route route, InetSocketAddress destination, int budgetMillis,
            Connection connection, String kind) throws IOException {
        SocksProxy proxy = router.proxy();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        try {
            connection.connect(router.resolvedProxyAddress(), budgetMillis);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            connection.close(e);
            IOException failure = SocketRouting.proxyUnreachable(e, proxy, destination);
            LOG.debug("{} {} -> failed: {}", kind, Printable.address(destination), failure.getMessage());
            throw failure;
        }
        try {
            int previousTimeout = connection.soTimeout();
            SocksHandshake.connect(proxy, connection.input(), connection.output(), new SoTimeout(connection),
                    route.target(), deadline);
            connection.soTimeout(previousTimeout);
        } catch (IOException | RuntimeException | Error e) {
            connection.close(e);
            LOG.debug("{} {} -> failed through {}: {}", kind, Printable.address(destination), proxy, e.toString());
            throw e;
        }
    }

    /** Sets SO_TIMEOUT for each read of the handshake; a class rather than a method reference (no class spinning). */
    private static final class SoTimeout implements ReadTimeout {
        private final Connection connection;

        SoTimeout(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void set(int millis) throws IOException {
            connection.soTimeout(millis);
        }
    }
}
