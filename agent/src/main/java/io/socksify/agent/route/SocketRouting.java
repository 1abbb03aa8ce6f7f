package io.socksify.agent.route;

import io.socksify.agent.bootstrap.KdcTraffic;
import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.ConnectGuard;
import io.socksify.agent.bootstrap.DecidedAddress;
import io.socksify.agent.bootstrap.SocketConnector;
import io.socksify.protocol.client.SocksProxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOptions;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * Connects {@code java.net.Socket}s: each socket's platform impl (its own, or the one inside its
 * {@code SocksSocketImpl} or {@code HttpConnectSocketImpl}) is connected to the proxy, and the SOCKS handshake runs
 * over its streams with one deadline (the application's connect timeout, or {@code connectTimeout}); the impl then
 * reports the address it was asked for as its remote address. Every failure closes the impl and surfaces as the
 * connection's own exception; nothing falls back to a direct connection. socksify's own connects are given as
 * {@link DecidedAddress}es, which the impl's prologue lets through.
 */
public final class SocketRouting implements SocketConnector {

    public SocketRouting() {
    }

    /**
     * {@code SocketImpl}'s connect, getInputStream, getOutputStream and close and its fields address and port, which are
     * protected: reachable only through a private lookup, which needs {@code java.net} open to the agent's module
     * ({@link JavaBaseAccess#open}, called first). Made
     * when the first socket is routed, not at installation: method handles cost start-up time. A JDK without them
     * fails that connection (and every later one) with the Dispatcher's exception; nothing goes out directly.
     */
    private static final class Impl {
        static final MethodHandle CONNECT;
        static final MethodHandle INPUT_STREAM;
        static final MethodHandle OUTPUT_STREAM;
        static final MethodHandle CLOSE;
        // SocketImpl's protected 'address' and 'port': what getInetAddress()/getPort() report once connected.
        static final MethodHandle SET_ADDRESS;
        static final MethodHandle SET_PORT;
        static final MethodHandle LOCAL_PORT;

        static {
            try {
                JavaBaseAccess.open();
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(SocketImpl.class, MethodHandles.lookup());
                CONNECT = lookup.findVirtual(SocketImpl.class, "connect",
                        MethodType.methodType(void.class, SocketAddress.class, int.class));
                INPUT_STREAM = lookup.findVirtual(SocketImpl.class, "getInputStream",
                        MethodType.methodType(InputStream.class));
                OUTPUT_STREAM = lookup.findVirtual(SocketImpl.class, "getOutputStream",
                        MethodType.methodType(OutputStream.class));
                CLOSE = lookup.findVirtual(SocketImpl.class, "close", MethodType.methodType(void.class));
                SET_ADDRESS = lookup.findSetter(SocketImpl.class, "address", InetAddress.class);
                SET_PORT = lookup.findSetter(SocketImpl.class, "port", int.class);
                LOCAL_PORT = lookup.findVirtual(SocketImpl.class, "getLocalPort", MethodType.methodType(int.class));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("socksify cannot reach SocketImpl's connect and streams: " + e, e);
            }
        }

        private Impl() {
        }
    }

    @Override
    public boolean connect(SocketImpl impl, InetSocketAddress endpoint, int timeoutMillis) throws IOException {
        if (KdcTraffic.current()) {
            Log.get("socksify").debug("socket {} -> direct (socksify's own Kerberos exchange with a KDC)",
                    Printable.address(endpoint));
            return false;
        }
        Router router = Routing.current();
        Route route;
        try {
            route = router.route(endpoint);
        } catch (IOException | RuntimeException e) {
            close(impl);
            Log.get("socksify").debug("socket {} -> refused: {}", Printable.address(endpoint), e.getMessage());
            throw e;
        }
        if (route.direct()) {
            Log.get("socksify").debug("socket {} -> direct ({})", Printable.address(endpoint), route.reason());
            if (route.target() == endpoint) {
                ConnectGuard.permit(endpoint); // the JDK connects it right after the prologue
                return false;
            }
            invokeConnect(impl, DecidedAddress.of(route.target()), timeoutMillis);
            return true;
        }

        int budget = timeoutMillis > 0 ? timeoutMillis : router.config().connectTimeoutMillis();
        boolean blocking = BlockingMode.isBlocking(impl);
        if (GssapiRelay.needed(route)) {
            connectRelayed(router, route, endpoint, budget, impl);
        } else {
            ProxyConnect.connect(router, route, endpoint, budget, new ImplConnection(impl), "socket");
        }
        if (blocking) {
            BlockingMode.restoreBlocking(impl);
        }
        // The impl is connected to the proxy; it reports the address the JDK asked for (null for a name sent to
        // the proxy unresolved: getInetAddress() is null then, as with the JDK's own SOCKS support).
        InetSocketAddress reported = route.reported();
        try {
            Impl.SET_ADDRESS.invokeExact(impl, reported.getAddress());
            Impl.SET_PORT.invokeExact(impl, reported.getPort());
        } catch (RuntimeException | Error e) {
            close(impl);
            throw e;
        } catch (Throwable t) {
            close(impl);
            throw new IllegalStateException(t);
        }
        return true;
    }

    /**
     * A connection that GSS-API may protect (GSSAPI-DESIGN.md, "Data protection"): socksify's own channel holds the
     * connection to the proxy, the impl is connected to a one-shot loopback listener, and the relay carries the bytes.
     * A failure of the proxy leg is reported as for any routed socket; the impl was never connected then.
     */
    private void connectRelayed(Router router, Route route, InetSocketAddress endpoint, int budget, SocketImpl impl)
            throws IOException {
        GssapiRelay.connectBlocking(router, route, endpoint, budget, "socket", new RelayedImpl(impl));
    }

    /** The relayed socket's impl, for {@link GssapiRelay#splice}. */
    private final class RelayedImpl extends GssapiRelay.Application {
        private final SocketImpl impl;

        RelayedImpl(SocketImpl impl) {
            this.impl = impl;
        }

        @Override
        public boolean isOpen() {
            try {
                // NioSocketImpl checks that it is open first ("Socket closed").
                ((SocketOptions) impl).getOption(SocketOptions.SO_BINDADDR);
                return true;
            } catch (SocketException e) {
                return false;
            }
        }

        @Override
        public void close(Throwable failure) {
            SocketRouting.this.close(impl);
        }

        @Override
        public IOException closedMeanwhile() {
            return new SocketException("Socket closed");
        }

        @Override
        public InetSocketAddress connectLoopback(InetSocketAddress listener, int budgetMillis) throws IOException {
            invokeConnect(impl, DecidedAddress.of(listener), budgetMillis);
            // The exact local address too: an application socket bound to a non-loopback address reaches the
            // loopback listener from it.
            try {
                return new InetSocketAddress(
                        (InetAddress) ((SocketOptions) impl).getOption(SocketOptions.SO_BINDADDR),
                        (int) Impl.LOCAL_PORT.invokeExact(impl));
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** A socket's platform impl, reached through the private lookup's handles. */
    private final class ImplConnection implements ProxyConnect.Connection {
        private final SocketImpl delegate;

        ImplConnection(SocketImpl delegate) {
            this.delegate = delegate;
        }

        @Override
        public void connect(InetSocketAddress proxy, int timeoutMillis) throws IOException {
            invokeConnect(delegate, DecidedAddress.of(proxy), timeoutMillis);
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
