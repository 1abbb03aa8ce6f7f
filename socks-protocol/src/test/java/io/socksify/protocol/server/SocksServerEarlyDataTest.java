package io.socksify.protocol.server;

import static io.socksify.protocol.server.Peers.LOCALHOST;
import static io.socksify.protocol.server.Peers.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.SocksAddress;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 13, item 2: a client that sends data after its BIND or CONNECT request, before the reply that lets it relay,
 * and then closes, is noticed at once, whatever the amount: up to one relay buffer (32 KiB by default) is kept for
 * the relay, more ends the session with a failure reply and a record that says so.
 */
@Timeout(30)
class SocksServerEarlyDataTest {
    /** Far below the 60 s a BIND waits for its peer and the 10 s handshake and connect timeouts. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    private static final int BOUND = 32 * 1024;

    private SocksServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 1024, 64 * 1024})
    void bindWithEarlyDataThenCloseEndsAtOnceAndClosesTheListener(int early) throws Exception {
        server = SocksServer.builder().port(0).start();
        InetSocketAddress listening;
        try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(concat(Peers.hex("05 01 00"), new Socks5CommandRequest(Socks5CommandType.BIND,
                    SocksAddress.ofIp(LOCALHOST, 0)).toBytes(), new byte[early]));
            InputStream in = s.getInputStream();
            assertEquals(0x05, in.read());
            assertEquals(0x00, in.read());
            byte[] reply = in.readNBytes(10);
            assertEquals(0x00, reply[1], "the first BIND reply succeeded");
            listening = new InetSocketAddress(LOCALHOST, ByteBuffer.wrap(reply, 8, 2).getShort() & 0xFFFF);
        }
        SessionRecord r = server.awaitRecords(1, PROMPTLY).get(0);
        assertEquals(Socks5CommandType.BIND, r.command());
        if (early <= BOUND) {
            assertTrue(r.failure().contains("client closed the connection before the BIND peer connected"),
                    r.toString());
            assertEquals(early, r.bytesFromClient(), "the early data was read (kept for the relay)");
        } else {
            assertTrue(r.failure().contains("client sent more than " + BOUND + " bytes before the reply to its BIND"),
                    r.toString());
            assertEquals(1, r.reply(), "a general failure reply followed the first");
        }
        awaitListenerGone(listening);
        assertEquals(0, server.activeSessions());
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 1024, 64 * 1024})
    void connectWithEarlyDataThenCloseEndsAtOnce(int early) throws Exception {
        // The reply delay holds the session between the request and its reply, where the early data arrives.
        server = SocksServer.builder().port(0).replyDelay(Duration.ofMillis(500)).start();
        try (Peers.EchoTarget target = new Peers.EchoTarget()) {
            try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
                s.getOutputStream().write(concat(Peers.hex("05 01 00"), new Socks5CommandRequest(
                        Socks5CommandType.CONNECT, SocksAddress.of(target.address())).toBytes(), new byte[early]));
                assertEquals(0x05, s.getInputStream().read());
                assertEquals(0x00, s.getInputStream().read());
            }
            SessionRecord r = server.awaitRecords(1, PROMPTLY).get(0);
            assertEquals(Socks5CommandType.CONNECT, r.command());
            if (early <= BOUND) {
                assertEquals(0, r.reply(), r.toString());
                assertEquals(early, r.bytesFromClient(), "the early data was relayed: " + r);
                assertEquals(1, target.awaitSources(1).size());
            } else {
                assertTrue(r.failure().contains("client sent more than " + BOUND
                        + " bytes before the reply to its CONNECT"), r.toString());
                assertEquals(1, r.reply(), r.toString());
            }
            assertEquals(0, server.activeSessions());
        }
    }

    private static void awaitListenerGone(InetSocketAddress listening) throws InterruptedException {
        // NIO closes a registered channel's socket at the selector's next select: shortly after the record.
        long deadline = System.nanoTime() + PROMPTLY.toNanos();
        while (accepts(listening) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThrows(ConnectException.class, () -> new Socket(listening.getAddress(), listening.getPort()).close(),
                "the BIND listener is closed");
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket probe = new Socket(address.getAddress(), address.getPort())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
