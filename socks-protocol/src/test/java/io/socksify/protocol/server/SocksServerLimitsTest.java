package io.socksify.protocol.server;

import static io.socksify.protocol.server.Peers.LOCALHOST;
import static io.socksify.protocol.server.Peers.concat;
import static io.socksify.protocol.server.Peers.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksAddress;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server under pressure: failed buffer allocations, name lookups that hang or fail, idle sessions, many
 * connections from one client.
 */
@Timeout(60)
class SocksServerLimitsTest {
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    private SocksServer server;
    private Peers.EchoTarget target;
    /** Released at the end, so no lookup thread stays blocked. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        if (server != null) {
            server.close();
        }
        if (target != null) {
            target.close();
        }
    }

    /** Names ending in .hang block until the test ends; .bad do not resolve; anything else is 127.0.0.1. */
    private InetAddress[] resolve(String name) throws UnknownHostException {
        lookups.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        if (name.endsWith(".hang")) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new UnknownHostException(name + ": the test is over");
        }
        if (name.endsWith(".bad")) {
            throw new UnknownHostException(name + ": no such name (test)");
        }
        return new InetAddress[] {LOCALHOST};
    }

    private int lookupsOf(String name) {
        AtomicInteger n = lookups.get(name);
        return n == null ? 0 : n.get();
    }

    /** Sends a SOCKS5 CONNECT for {@code dst}; @return the client (open) and the reply's status in it */
    private Socks5CommandResponse connect(Peers.RawClient c, SocksAddress dst) throws IOException {
        c.write(hex("05 01 00")).expect("05 00");
        c.write(new Socks5CommandRequest(Socks5CommandType.CONNECT, dst).toBytes());
        return c.readSocks5Reply();
    }

    /**
     * Opens {@code count} clients through the server to the echo target, each relaying (CONNECT succeeded, an echo
     * came back) before the next opens; all stay open. On a failure the ones opened are closed.
     */
    private List<Peers.RawClient> openRelaying(int count) throws IOException {
        List<Peers.RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                Peers.RawClient c = new Peers.RawClient(server.address());
                clients.add(c);
                assertEquals(Socks5CommandStatus.SUCCEEDED, connect(c, SocksAddress.of(target.address())).status());
                assertArrayEquals(HELLO, c.echo(HELLO));
            }
            return clients;
        } catch (IOException | RuntimeException | Error e) {
            closeAll(clients);
            throw e;
        }
    }

    /** @return "loop N" for the server's loop thread N ({@code socksify-server-PORT-loop-N}) this runs on */
    private static String currentLoop() {
        return Thread.currentThread().getName().replaceAll(".*-", "loop ");
    }

    private static void closeAll(List<Peers.RawClient> clients) throws IOException {
        for (Peers.RawClient c : clients) {
            c.close();
        }
    }

    private static void sendUdp(DatagramSocket udp, InetSocketAddress relay, SocksAddress dst, byte[] data)
            throws IOException {
        byte[] d = concat(Socks5UdpHeader.of(dst).toBytes(), data);
        udp.send(new DatagramPacket(d, d.length, relay));
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 5 s: " + what);
            Thread.sleep(10);
        }
    }

    // ---- direct memory ------------------------------------------------------------------------------------

    @Test
    void aFailedBufferAllocationRefusesThatConnectionAndEveryLoopServesOn() throws Exception {
        target = new Peers.EchoTarget();
        AtomicInteger failuresLeft = new AtomicInteger(4);
        // The allocator runs on the loop that needs the buffers: its thread's name says which loop that is.
        Set<String> failedOn = ConcurrentHashMap.newKeySet();
        Set<String> allocatedOn = ConcurrentHashMap.newKeySet();
        server = SocksServer.builder().port(0).selectorThreads(2).bufferAllocator(size -> {
            String loop = currentLoop();
            if (failuresLeft.getAndDecrement() > 0) {
                failedOn.add(loop);
                throw new OutOfMemoryError("Cannot reserve " + size + " bytes of direct buffer memory (test)");
            }
            allocatedOn.add(loop);
            return ByteBuffer.allocateDirect(size);
        }).start();
        // Two clients open at a time: the first goes to the accepting loop, the second to the other, less loaded.
        for (int pair = 0; pair < 2; pair++) {
            try (Peers.RawClient first = new Peers.RawClient(server.address());
                 Peers.RawClient second = new Peers.RawClient(server.address())) {
                for (Peers.RawClient c : List.of(first, second)) {
                    assertEquals(Socks5CommandStatus.GENERAL_FAILURE, connect(c, SocksAddress.of(target.address()))
                            .status());
                    c.expectClosed();
                }
            }
        }
        List<SessionRecord> failed = server.awaitRecords(4, Duration.ofSeconds(10));
        for (SessionRecord r : failed) {
            assertTrue(r.failure().contains("no memory for the relay buffers"), r.failure());
            assertTrue(r.failure().contains("direct buffer memory"), r.failure());
        }
        assertEquals(Set.of("loop 0", "loop 1"), failedOn);
        closeAll(openRelaying(4));
        server.awaitRecords(8, Duration.ofSeconds(10));
        assertEquals(Set.of("loop 0", "loop 1"), allocatedOn);
    }

    // ---- sessions over loops ------------------------------------------------------------------------------

    @Test
    void aSessionStaysOnTheAcceptingLoopUnlessAnotherLoopHasFewerSessions() throws Exception {
        target = new Peers.EchoTarget();
        // A session's record is made on its loop's thread.
        Map<Integer, String> loopOf = new ConcurrentHashMap<>();
        server = SocksServer.builder().port(0).selectorThreads(3).onSessionEnd(r -> loopOf.put(r.client().getPort(),
                currentLoop())).start();
        // One at a time: each finds every loop empty and stays where it was accepted, with no hand-off.
        List<Integer> alone = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (Peers.RawClient c = new Peers.RawClient(server.address())) {
                alone.add(c.socket.getLocalPort());
                assertEquals(Socks5CommandStatus.SUCCEEDED, connect(c, SocksAddress.of(target.address())).status());
                assertArrayEquals(HELLO, c.echo(HELLO));
            }
            // The listener runs after the record is counted: wait for the listener.
            int port = alone.get(i);
            awaitTrue("the record of the session from port " + port, () -> loopOf.containsKey(port));
        }
        for (int port : alone) {
            assertEquals("loop 0", loopOf.get(port), "session from port " + port);
        }
        // Six open at once: each goes to a loop with the fewest, so they spread two to a loop.
        List<Peers.RawClient> clients = openRelaying(6);
        closeAll(clients);
        awaitTrue("the records of six sessions", () -> clients.stream()
                .allMatch(c -> loopOf.containsKey(c.socket.getLocalPort())));
        Map<String, Integer> perLoop = new java.util.TreeMap<>();
        for (Peers.RawClient c : clients) {
            perLoop.merge(loopOf.get(c.socket.getLocalPort()), 1, Integer::sum);
        }
        assertEquals(Map.of("loop 0", 2, "loop 1", 2, "loop 2", 2), perLoop);
    }

    // ---- name lookups -------------------------------------------------------------------------------------

    @Test
    void theConnectTimeoutCoversANameLookupThatNeverReturns() throws Exception {
        server = SocksServer.builder().port(0).connectTimeout(Duration.ofMillis(500)).lookupResolver(this::resolve)
                .start();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            long begin = System.nanoTime();
            assertEquals(Socks5CommandStatus.TTL_EXPIRED, connect(c, SocksAddress.ofHost("never.hang", 80)).status());
            assertTrue(System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(3));
            c.expectClosed();
        }
        SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
        assertTrue(r.failure().contains("resolving never.hang:80 timed out"), r.failure());
    }

    @Test
    void udpDatagramsForNamesCannotStarveConnectLookups() throws Exception {
        target = new Peers.EchoTarget();
        server = SocksServer.builder().port(0).lookupResolver(this::resolve).start();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             Peers.RawClient control = new Peers.RawClient(server.address())) {
            control.write(hex("05 01 00")).expect("05 00");
            control.write(new Socks5CommandRequest(Socks5CommandType.UDP_ASSOCIATE,
                    SocksAddress.ofIp(LOCALHOST, udp.getLocalPort())).toBytes());
            InetSocketAddress relay = control.readSocks5Reply().bound().toInetSocketAddress();
            // 20 names, 10 datagrams each, all of them lookups that hang: once, more threads than the pool has.
            for (int round = 0; round < 10; round++) {
                for (int name = 0; name < 20; name++) {
                    sendUdp(udp, relay, SocksAddress.ofHost("n" + name + ".hang", 9), HELLO);
                }
            }
            awaitTrue("UDP lookups started", () -> !lookups.isEmpty());
            Thread.sleep(200);
            for (Map.Entry<String, AtomicInteger> e : lookups.entrySet()) {
                assertEquals(1, e.getValue().get(), "datagrams for one name share one lookup: " + e.getKey());
            }
            assertTrue(lookups.size() <= Lookups.UDP_SHARE, "UDP keeps at most " + Lookups.UDP_SHARE
                    + " lookups busy, not " + lookups.size());
            // A CONNECT by name is still resolved at once.
            try (Peers.RawClient c = new Peers.RawClient(server.address())) {
                assertEquals(Socks5CommandStatus.SUCCEEDED, connect(c, SocksAddress.ofHost("target.test",
                        target.address().getPort())).status());
                assertArrayEquals(HELLO, c.echo(HELLO));
            }
        }
    }

    @Test
    void aNameThatFailedIsNotLookedUpAgainForEveryDatagram() throws Exception {
        try (Peers.UdpEchoTarget echo = new Peers.UdpEchoTarget(LOCALHOST);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            server = SocksServer.builder().port(0).lookupResolver(this::resolve).start();
            udp.setSoTimeout(3000);
            try (Peers.RawClient control = new Peers.RawClient(server.address())) {
                control.write(hex("05 01 00")).expect("05 00");
                control.write(new Socks5CommandRequest(Socks5CommandType.UDP_ASSOCIATE,
                        SocksAddress.ofIp(LOCALHOST, udp.getLocalPort())).toBytes());
                InetSocketAddress relay = control.readSocks5Reply().bound().toInetSocketAddress();
                sendUdp(udp, relay, SocksAddress.ofHost("nothing.bad", 9), HELLO);
                awaitTrue("the first lookup", () -> lookupsOf("nothing.bad") == 1);
                Thread.sleep(100);
                for (int i = 0; i < 20; i++) {
                    sendUdp(udp, relay, SocksAddress.ofHost("nothing.bad", 9), HELLO);
                }
                // A datagram for a good name behind them still goes out and comes back.
                sendUdp(udp, relay, SocksAddress.ofHost("echo.test", echo.address().getPort()), HELLO);
                DatagramPacket p = new DatagramPacket(new byte[100], 100);
                udp.receive(p);
                assertEquals(1, lookupsOf("nothing.bad"), "a failed name is remembered for a while");
                assertEquals(1, lookupsOf("echo.test"));
            }
        }
    }

    // ---- idle timeout and per-client limit ----------------------------------------------------------------

    @Test
    void anIdleRelayIsClosedAndAnActiveOneIsNot() throws Exception {
        target = new Peers.EchoTarget();
        server = SocksServer.builder().port(0).idleTimeout(Duration.ofMillis(300)).start();
        try (Peers.RawClient idle = new Peers.RawClient(server.address());
             Peers.RawClient busy = new Peers.RawClient(server.address())) {
            assertEquals(Socks5CommandStatus.SUCCEEDED, connect(idle, SocksAddress.of(target.address())).status());
            assertEquals(Socks5CommandStatus.SUCCEEDED, connect(busy, SocksAddress.of(target.address())).status());
            assertArrayEquals(HELLO, idle.echo(HELLO));
            long begin = System.nanoTime();
            while (System.nanoTime() - begin < TimeUnit.MILLISECONDS.toNanos(1200)) {
                assertArrayEquals(HELLO, busy.echo(HELLO));
                Thread.sleep(50);
            }
            idle.expectClosed();
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(5)).get(0);
            assertTrue(r.failure().contains("idle timeout"), r.failure());
            assertEquals(1, server.activeSessions(), "the busy relay is still open");
        }
    }

    @Test
    void withoutAnIdleTimeoutAnIdleRelayStaysOpen() throws Exception {
        target = new Peers.EchoTarget();
        server = SocksServer.builder().port(0).start();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            assertEquals(Socks5CommandStatus.SUCCEEDED, connect(c, SocksAddress.of(target.address())).status());
            c.socket.setSoTimeout(700);
            assertThrows(SocketTimeoutException.class, () -> c.in.read());
            assertArrayEquals(HELLO, c.echo(HELLO));
        }
    }

    @Test
    void refusesConnectionsBeyondThePerClientLimit() throws Exception {
        target = new Peers.EchoTarget();
        server = SocksServer.builder().port(0).maxConnectionsPerClient(2).start();
        try (Peers.RawClient first = new Peers.RawClient(server.address());
             Peers.RawClient second = new Peers.RawClient(server.address())) {
            assertEquals(Socks5CommandStatus.SUCCEEDED, connect(first, SocksAddress.of(target.address())).status());
            assertEquals(Socks5CommandStatus.SUCCEEDED, connect(second, SocksAddress.of(target.address())).status());
            try (Peers.RawClient third = new Peers.RawClient(server.address())) {
                third.expectClosed();
            }
            SessionRecord refused = server.awaitRecords(1, Duration.ofSeconds(5)).get(0);
            assertTrue(refused.failure().contains("connection limit per client 2"), refused.failure());
            first.close();
            server.awaitRecords(2, Duration.ofSeconds(5));
            try (Peers.RawClient again = new Peers.RawClient(server.address())) {
                assertEquals(Socks5CommandStatus.SUCCEEDED, connect(again, SocksAddress.of(target.address()))
                        .status());
                assertArrayEquals(HELLO, again.echo(HELLO));
            }
        }
    }
}
