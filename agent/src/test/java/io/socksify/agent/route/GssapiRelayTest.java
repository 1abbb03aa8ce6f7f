package io.socksify.agent.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.MessageProp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay's framing, half-close and reset rules over real loopback sockets: the "application" is a plain
 * {@link Socket} connected to the relay's one-shot listener, the "proxy" is the far end of the relay's own channel.
 * The mechanism is a stand-in {@link GSSContext} (a token is a checksum byte then the plain bytes), so that a forged
 * token can be made; the Kerberos mechanism itself runs in {@code GssapiRelayIT} against Dante.
 */
@Timeout(30)
class GssapiRelayTest {
    private static final int MAX_CHUNK = 1000;
    private ServerSocketChannel proxyListener;
    private Socket app;
    private Socket proxy;

    @BeforeEach
    void relay() throws Exception {
        GssapiProtection protection = GssapiProtection.of(fakeContext(), Socks5GssapiProtectionLevel.INTEGRITY);
        assertEquals(MAX_CHUNK, protection.maxChunk());
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        proxyListener = ServerSocketChannel.open().bind(new InetSocketAddress(loopback, 0));
        SocketChannel own = SocketChannel.open(proxyListener.getLocalAddress());
        proxy = proxyListener.accept().socket();
        own.configureBlocking(false);
        GssapiRelay.Listener listener = new GssapiRelay.Listener();
        app = new Socket();
        app.connect(listener.address());
        GssapiRelay.start(new GssapiRelay.Upstream(own, protection, null), listener.accept((InetSocketAddress) app.getLocalSocketAddress()));
        app.setSoTimeout(10_000);
        proxy.setSoTimeout(10_000);
    }

    @AfterEach
    void close() throws IOException {
        app.close();
        proxy.close();
        proxyListener.close();
    }

    @Test
    void wrapsInChunksUnwrapsReassembledAndHalfClosesBothWays() throws Exception {
        byte[] data = new byte[10 * MAX_CHUNK + 7];
        new Random(1).nextBytes(data);
        app.getOutputStream().write(data);
        app.shutdownOutput();
        // The proxy reads MTYP 3 messages of at most MAX_CHUNK plain octets each, then the end of stream.
        DataInputStream in = new DataInputStream(proxy.getInputStream());
        byte[] got = new byte[0];
        while (got.length < data.length) {
            byte[] plain = readMessage(in);
            assertTrue(plain.length <= MAX_CHUNK, "chunk of " + plain.length);
            got = concat(got, plain);
        }
        assertArrayEquals(data, got);
        assertEquals(-1, proxy.getInputStream().read(), "the application's half-close reaches the proxy");
        // The other way: one message split across writes, two messages in one write; then the proxy's end.
        byte[] one = message("hello ".getBytes(StandardCharsets.US_ASCII));
        byte[] two = concat(message("through ".getBytes(StandardCharsets.US_ASCII)),
                message("the relay".getBytes(StandardCharsets.US_ASCII)));
        OutputStream out = proxy.getOutputStream();
        out.write(one, 0, 3);
        out.flush();
        Thread.sleep(50);
        out.write(one, 3, one.length - 3);
        out.write(two);
        proxy.shutdownOutput();
        assertEquals("hello through the relay", new String(app.getInputStream().readAllBytes(),
                StandardCharsets.US_ASCII), "plain bytes, then the end of stream");
        awaitRelayThreadGone();
    }

    @Test
    void aTokenThatDoesNotVerifyResetsBothLegs() throws Exception {
        byte[] forged = message("forged".getBytes(StandardCharsets.US_ASCII));
        forged[4] ^= 0x55; // the checksum
        proxy.getOutputStream().write(forged);
        assertThrows(SocketException.class, () -> app.getInputStream().read(), "a reset, never unverified bytes");
        assertThrows(SocketException.class, () -> readToEnd(proxy.getInputStream()), "the proxy leg is reset too");
        awaitRelayThreadGone();
    }

    @Test
    void anAbortResetsBothLegs() throws Exception {
        proxy.getOutputStream().write(new byte[] {1, (byte) 0xFF});
        assertThrows(SocketException.class, () -> app.getInputStream().read());
        awaitRelayThreadGone();
    }

    @Test
    void theProxyEndingInsideAMessageResetsTheApplication() throws Exception {
        byte[] m = message("cut short".getBytes(StandardCharsets.US_ASCII));
        proxy.getOutputStream().write(m, 0, m.length - 2);
        proxy.shutdownOutput();
        assertThrows(SocketException.class, () -> app.getInputStream().read());
        awaitRelayThreadGone();
    }

    @Test
    void aProxySilentAfterTheApplicationsEndIsResetAfterTheLimit() throws Exception {
        app.close(); // the connection set up before: replaced by one with a short limit
        proxy.close();
        awaitRelayThreadGone();
        long saved = GssapiRelay.halfClosedIdleMillis;
        GssapiRelay.halfClosedIdleMillis = 300;
        try {
            relay();
        } finally {
            GssapiRelay.halfClosedIdleMillis = saved;
        }
        app.shutdownOutput(); // as the application's close() looks to the relay
        assertEquals(-1, proxy.getInputStream().read(), "the end of stream reaches the proxy");
        // The proxy still sending keeps the connection: 4 messages over 600 ms, each well within the limit.
        OutputStream out = proxy.getOutputStream();
        InputStream in = app.getInputStream();
        for (int i = 0; i < 4; i++) {
            Thread.sleep(150);
            out.write(message(new byte[] {(byte) i}));
            assertEquals(i, in.read());
        }
        long silentFrom = System.nanoTime();
        assertThrows(SocketException.class, () -> in.read(), "reset once the proxy is silent for the limit");
        long waited = (System.nanoTime() - silentFrom) / 1_000_000;
        assertTrue(waited >= 250 && waited < 5_000, "reset after " + waited + " ms");
        awaitRelayThreadGone();
    }

    @Test
    void theListenerAcceptsOnlyTheDescriptorsExactAddressAndPort() throws Exception {
        GssapiRelay.Listener listener = new GssapiRelay.Listener();
        Socket[] pair = samePortOnTwoAddresses();
        try (Socket mine = pair[0]; Socket samePortOtherAddress = pair[1]; Socket otherPort = new Socket()) {
            InetSocketAddress expected = (InetSocketAddress) mine.getLocalSocketAddress();
            otherPort.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
            ExecutorService accepting = Executors.newSingleThreadExecutor();
            try {
                Future<SocketChannel> accepted = accepting.submit(() -> listener.accept(expected, 5_000));
                for (Socket foreign : new Socket[] {samePortOtherAddress, otherPort}) {
                    foreign.connect(listener.address());
                    foreign.setSoTimeout(5_000);
                    // Closed by the listener at once (an end of stream, or a reset).
                    try {
                        assertEquals(-1, foreign.getInputStream().read(), "a foreign connection is closed");
                    } catch (SocketException reset) {
                        // Also closed.
                    }
                    assertFalse(accepted.isDone(), "still waiting for the descriptor");
                }
                mine.connect(listener.address());
                try (SocketChannel leg = accepted.get(10, TimeUnit.SECONDS)) {
                    assertEquals(expected, leg.getRemoteAddress());
                }
            } finally {
                accepting.shutdownNow();
            }
        }
    }

    /** Sockets bound to 127.0.0.1:P and 127.0.0.2:P (P free on both; a few tries, TIME_WAIT may hold one). */
    private static Socket[] samePortOnTwoAddresses() throws IOException {
        for (int attempt = 0; ; attempt++) {
            Socket one = new Socket();
            Socket two = new Socket();
            try {
                one.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
                two.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 2}),
                        one.getLocalPort()));
                return new Socket[] {one, two};
            } catch (java.net.BindException e) {
                one.close();
                two.close();
                if (attempt == 20) {
                    throw e;
                }
            }
        }
    }

    @Test
    void theAcceptWaitsOnceInAllAndNamesTheDescriptor() throws Exception {
        GssapiRelay.Listener listener = new GssapiRelay.Listener();
        InetSocketAddress never = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 9);
        long started = System.nanoTime();
        ExecutorService racing = Executors.newSingleThreadExecutor();
        try {
            // Foreign connections keep arriving: the deadline does not start again after each.
            racing.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    try (Socket foreign = new Socket()) {
                        foreign.connect(listener.address(), 200);
                        Thread.sleep(50);
                    } catch (IOException | InterruptedException e) {
                        return null;
                    }
                }
                return null;
            });
            SocketException e = assertThrows(SocketException.class, () -> listener.accept(never, 500));
            assertTrue(e.getMessage().contains("from 127.0.0.1:9") && e.getMessage().contains("within 500 ms"),
                    e.getMessage());
            assertTrue(System.nanoTime() - started < 3_000_000_000L, "one deadline in all");
        } finally {
            racing.shutdownNow();
        }
    }

    @Test
    void aDescriptorBoundToANonLoopbackAddressIsAccepted() throws Exception {
        InetAddress own = nonLoopbackIpv4();
        Assumptions.assumeTrue(own != null, "no non-loopback IPv4 address on this host");
        GssapiRelay.Listener listener = new GssapiRelay.Listener();
        try (Socket bound = new Socket()) {
            bound.bind(new InetSocketAddress(own, 0));
            bound.connect(listener.address());
            try (SocketChannel leg = listener.accept((InetSocketAddress) bound.getLocalSocketAddress(), 2_000)) {
                assertEquals(bound.getLocalSocketAddress(), leg.getRemoteAddress());
            }
        }
    }

    /** An application side whose open state the test sets. */
    private static final class FakeApplication extends GssapiRelay.Application {
        volatile boolean open = true;
        volatile Throwable closedWith;

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close(Throwable failure) {
            open = false;
            closedWith = failure;
        }

        @Override
        public IOException closedMeanwhile() {
            return new java.nio.channels.AsynchronousCloseException();
        }
    }

    @Test
    void oneMappingForEveryPath() {
        InetSocketAddress endpoint = InetSocketAddress.createUnresolved("target.example", 443);
        FakeApplication open = new FakeApplication();
        IOException internal = GssapiRelay.abort(null, null, open, endpoint, new IllegalStateException("bug"));
        assertTrue(internal instanceof SocketException && internal.getMessage().contains("target.example:443")
                && internal.getCause() instanceof IllegalStateException, internal.toString());
        assertFalse(open.open, "the application is closed");
        FakeApplication closed = new FakeApplication();
        closed.open = false;
        IOException meanwhile = GssapiRelay.abort(null, null, closed, endpoint, new SocketException("reset"));
        assertTrue(meanwhile instanceof java.nio.channels.AsynchronousCloseException, meanwhile.toString());
        assertEquals("reset", meanwhile.getSuppressed()[0].getMessage());
        FakeApplication error = new FakeApplication();
        assertThrows(OutOfMemoryError.class,
                () -> GssapiRelay.abort(null, null, error, endpoint, new OutOfMemoryError("test")));
        assertFalse(error.open, "closed before the Error goes on");
    }

    @Test
    void theApplicationsCloseDuringTheHandshakeAbortsTheRelayedConnect() throws Exception {
        GssapiProtection protection = GssapiProtection.of(fakeContext(), Socks5GssapiProtectionLevel.INTEGRITY);
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (ServerSocketChannel far = ServerSocketChannel.open().bind(new InetSocketAddress(loopback, 0));
                Socket descriptor = new Socket()) {
            SocketChannel own = SocketChannel.open(far.getLocalAddress());
            try (SocketChannel farEnd = far.accept()) {
                GssapiRelay.Listener listener = new GssapiRelay.Listener();
                descriptor.connect(listener.address());
                FakeApplication app = new FakeApplication();
                app.open = false; // closed by another thread while the handshake ran
                assertThrows(java.nio.channels.AsynchronousCloseException.class,
                        () -> GssapiRelay.splice(new GssapiRelay.Upstream(own, protection, null), listener,
                                (InetSocketAddress) descriptor.getLocalSocketAddress(), app,
                                InetSocketAddress.createUnresolved("target.example", 443)));
                assertFalse(own.isOpen(), "the upstream is closed");
                farEnd.configureBlocking(true);
                assertEquals(-1, farEnd.read(java.nio.ByteBuffer.allocate(1)), "nothing reaches the proxy");
                descriptor.setSoTimeout(5_000);
                try {
                    assertEquals(-1, descriptor.getInputStream().read(), "the loopback leg is closed");
                } catch (SocketException reset) {
                    // Also closed.
                }
            }
        }
    }

    private static InetAddress nonLoopbackIpv4() throws SocketException {
        for (NetworkInterface nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address) {
                    return a;
                }
            }
        }
        return null;
    }

    private static void readToEnd(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // Drain.
        }
    }

    private static void awaitRelayThreadGone() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().equals(GssapiRelay.THREAD))) {
            assertTrue(System.nanoTime() - deadline < 0, "the relay thread ends with its last connection");
            Thread.sleep(10);
        }
    }

    private static byte[] readMessage(DataInputStream in) throws IOException, GSSException {
        int ver = in.read();
        if (ver < 0) {
            throw new EOFException();
        }
        assertEquals(1, ver);
        assertEquals(3, in.read());
        byte[] token = new byte[in.readUnsignedShort()];
        in.readFully(token);
        return unwrapToken(token);
    }

    private static byte[] message(byte[] plain) {
        byte[] token = wrapToken(plain, 0, plain.length);
        byte[] m = new byte[4 + token.length];
        m[0] = 1;
        m[1] = 3;
        m[2] = (byte) (token.length >> 8);
        m[3] = (byte) token.length;
        System.arraycopy(token, 0, m, 4, token.length);
        return m;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static byte checksum(byte[] b, int off, int len) {
        int sum = 0x5A;
        for (int i = off; i < off + len; i++) {
            sum = sum * 31 + b[i];
        }
        return (byte) sum;
    }

    private static byte[] wrapToken(byte[] plain, int off, int len) {
        byte[] token = new byte[len + 1];
        token[0] = checksum(plain, off, len);
        System.arraycopy(plain, off, token, 1, len);
        return token;
    }

    private static byte[] unwrapToken(byte[] token) throws GSSException {
        if (token.length < 1 || checksum(token, 1, token.length - 1) != token[0]) {
            throw new GSSException(GSSException.BAD_MIC);
        }
        return Arrays.copyOfRange(token, 1, token.length);
    }

    /** An established context whose tokens are a checksum byte and the plain bytes. */
    private static GSSContext fakeContext() {
        return (GSSContext) Proxy.newProxyInstance(GssapiRelayTest.class.getClassLoader(),
                new Class<?>[] {GSSContext.class}, (p, method, args) -> switch (method.getName()) {
                    case "isEstablished", "getReplayDetState", "getSequenceDetState", "getIntegState",
                            "getConfState" -> true;
                    case "getWrapSizeLimit" -> MAX_CHUNK;
                    case "wrap" -> wrapToken((byte[]) args[0], (int) args[1], (int) args[2]);
                    case "unwrap" -> {
                        ((MessageProp) args[3]).setPrivacy(false);
                        yield unwrapToken(Arrays.copyOfRange((byte[]) args[0], (int) args[1],
                                (int) args[1] + (int) args[2]));
                    }
                    case "toString" -> "fake GSSContext";
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
