package io.socksify.agent.route;

import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.SocketConnector;
import io.socksify.protocol.client.SocksProxy;
import org.slf4j.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOptions;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * Connects {@code java.net.Socket}s: the platform impl inside each socket's {@code SocksSocketImpl} is connected to
 * the proxy, and the SOCKS handshake runs over its streams with one deadline (the application's connect timeout, or
 * {@code connectTimeout}). Every failure closes the impl and surfaces as the connection's own exception; nothing
 * falls back to a direct connection.
 */
public final class SocketRouting implements SocketConnector {
    private static final Logger LOG = Log.get("socksify");

    public SocketRouting() {
    }

    /**
     * {@code SocketImpl}'s connect, getInputStream, getOutputStream and close, which are protected: reachable only
     * through a private lookup, which needs {@code java.net} open to the agent's module (the installer opens it). Made
     * when the first socket is routed, not at installation: method handles cost start-up time. A JDK without them
     * fails that connection (and every later one) with the Dispatcher's exception; nothing goes out directly.
     */
    private static final class Impl {
        static final MethodHandle CONNECT;
        static final MethodHandle INPUT_STREAM;
        static final MethodHandle OUTPUT_STREAM;
        static final MethodHandle CLOSE;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(SocketImpl.class, MethodHandles.lookup());
                CONNECT = lookup.findVirtual(SocketImpl.class, "connect",
                        MethodType.methodType(void.class, SocketAddress.class, int.class));
                INPUT_STREAM = lookup.findVirtual(SocketImpl.class, "getInputStream",
                        MethodType.methodType(InputStream.class));
                OUTPUT_STREAM = lookup.findVirtual(SocketImpl.class, "getOutputStream",
                        MethodType.methodType(OutputStream.class));
                CLOSE = lookup.findVirtual(SocketImpl.class, "close", MethodType.methodType(void.class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("socksify cannot reach SocketImpl's connect and streams: " + e, e);
            }
        }

        private Impl() {
        }
    }

    @Override
    public InetSocketAddress connect(SocketImpl delegate, InetSocketAddress endpoint, int timeoutMillis)
            throws IOException {
        Router router = Routing.current();
        Route route;
        try {
            route = router.route(endpoint);
        } catch (IOException | RuntimeException e) {
            close(delegate);
            LOG.debug("socket {} -> refused: {}", Printable.address(endpoint), e.getMessage());
            throw e;
        }
        if (route.direct()) {
            LOG.debug("socket {} -> direct ({})", Printable.address(endpoint), route.reason());
            if (route.target() == endpoint) {
                return null;
            }
            invokeConnect(delegate, route.target(), timeoutMillis);
            return route.target();
        }

        int budget = timeoutMillis > 0 ? timeoutMillis : router.config().connectTimeoutMillis();
        boolean blocking = BlockingMode.isBlocking(delegate);
        ProxyConnect.connect(router, route, endpoint, budget, new ImplConnection(delegate), "socket");
        if (blocking) {
            BlockingMode.restoreBlocking(delegate);
        }
        return route.reported();
    }

    /** A socket's platform impl, reached through the private lookup's handles. */
    private final class ImplConnection implements ProxyConnect.Connection {
        private final SocketImpl delegate;

        ImplConnection(SocketImpl delegate) {
            this.delegate = delegate;
        }

        @Override
        public void connect(InetSocketAddress proxy, int timeoutMillis) throws IOException {
            invokeConnect(delegate, proxy, timeoutMillis);
        }

        @Override
        public InputStream input() throws IOException {
            try {
                return (InputStream) Impl.INPUT_STREAM.invokeExact(delegate);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public OutputStream output() throws IOException {
            try {
                return (OutputStream) Impl.OUTPUT_STREAM.invokeExact(delegate);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public int soTimeout() throws IOException {
            return (Integer) delegate.getOption(SocketOptions.SO_TIMEOUT);
        }

        @Override
        public void soTimeout(int millis) throws IOException {
            delegate.setOption(SocketOptions.SO_TIMEOUT, millis);
        }

        @Override
        public void close(Throwable failure) {
            SocketRouting.this.close(delegate);
        }
    }

    private void invokeConnect(SocketImpl delegate, SocketAddress address, int timeoutMillis) throws IOException {
        try {
            Impl.CONNECT.invokeExact(delegate, address, timeoutMillis);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void close(SocketImpl delegate) {
        try {
            Impl.CLOSE.invokeExact(delegate);
        } catch (Throwable ignored) {
            // Closing a socket that failed to connect; the connection's own failure is what matters.
        }
    }

    /** The same exception type the application would get from a direct connection, naming proxy and destination. */
    public static IOException proxyUnreachable(IOException e, SocksProxy proxy, InetSocketAddress destination) {
        String message = "socksify: cannot connect to proxy " + proxy + " for " + Printable.address(destination) + ": "
                + e.getMessage();
        IOException failure;
        if (e instanceof SocketTimeoutException) {
            failure = new SocketTimeoutException(message);
        } else if (e instanceof NoRouteToHostException) {
            failure = new NoRouteToHostException(message);
        } else if (e instanceof ConnectException) {
            failure = new ConnectException(message);
        } else if (e instanceof UnknownHostException) {
            failure = new UnknownHostException(e.getMessage());
        } else {
            failure = new SocketException(message);
        }
        failure.initCause(e);
        return failure;
    }
}
