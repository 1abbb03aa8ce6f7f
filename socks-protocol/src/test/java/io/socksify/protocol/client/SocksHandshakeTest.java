package io.socksify.protocol.client;

import static io.socksify.protocol.client.ScriptedSocksPeer.concat;
import static io.socksify.protocol.client.ScriptedSocksPeer.expect;
import static io.socksify.protocol.client.ScriptedSocksPeer.expectEndOfStream;
import static io.socksify.protocol.client.ScriptedSocksPeer.hangUp;
import static io.socksify.protocol.client.ScriptedSocksPeer.hex;
import static io.socksify.protocol.client.ScriptedSocksPeer.send;
import static io.socksify.protocol.client.ScriptedSocksPeer.sendByteByByte;
import static io.socksify.protocol.client.ScriptedSocksPeer.stall;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandStatus;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5InitialResponse;
import io.socksify.protocol.wire.Socks5PasswordAuthResponse;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The blocking handshakes and {@link SocksClient} against a scripted loopback proxy. */
@Timeout(30)
class SocksHandshakeTest {
    static final InetSocketAddress DESTINATION = new InetSocketAddress(SocksClientHandshakeTest.ip("10.1.2.3"), 80);
    static final InetSocketAddress EXAMPLE_COM = SocksClientHandshakeTest.EXAMPLE_COM;
    static final byte[] NO_AUTH = new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes();
    static final byte[] SUCCEEDED = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
            SocksAddress.ofIp(SocksClientHandshakeTest.ip("127.0.0.1"), 40000)).toBytes();
    static final byte[] GREETING = hex("05 01 00"); // VER, NMETHODS 1, NO_AUTH
    static final byte[] CONNECT_DESTINATION = hex("""
            05 01 00    # VER, CMD CONNECT, RSV
            01 0a010203 # ATYP IPv4, 10.1.2.3
            0050        # DST.PORT 80
            """);
    static final byte[] DATA = "data from the destination".getBytes(StandardCharsets.US_ASCII);
    static final String PASSWORD = SocksClientHandshakeTest.PASSWORD;

    static SocksProxy proxy(ScriptedSocksPeer peer, SocksVersion version) {
        return SocksProxy.of(version, peer.address());
    }

    static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    static InetSocketAddress connect(Socket socket, SocksProxy proxy, InetSocketAddress destination, long deadline)
            throws IOException {
        return SocksHandshake.connect(proxy, socket.getInputStream(), socket.getOutputStream(),
                socket::setSoTimeout, destination, deadline);
    }

    static Socket open(ScriptedSocksPeer peer) throws IOException {
        Socket socket = new Socket(Proxy.NO_PROXY);
        socket.connect(peer.address(), 5000);
        return socket;
    }

    @Test
    void connectsAndReturnsTheBoundAddress() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), send(SUCCEEDED));
                Socket socket = open(peer)) {
            InetSocketAddress bound = connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000));
            assertEquals(new InetSocketAddress(SocksClientHandshakeTest.ip("127.0.0.1"), 40000), bound);
            peer.await();
            assertEquals(hex(concat(GREETING, CONNECT_DESTINATION)), hex(peer.received()));
        }
    }

    @Test
    void leavesApplicationBytesPipelinedBehindTheReplyInTheStream() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), send(SUCCEEDED, DATA));
                Socket socket = open(peer)) {
            connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000));
            assertArrayEquals(DATA, socket.getInputStream().readNBytes(DATA.length));
            peer.await();
        }
    }

    @Test
    void acceptsAProxyThatWritesOneByteAtATime() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 02 00 02")),
                sendByteByByte(new Socks5InitialResponse(Socks5AuthMethod.PASSWORD).toBytes()),
                expect(SocksClientHandshakeTest.AUTH_ALICE), sendByteByByte(hex("05 00")),
                expect(SocksClientHandshakeTest.CONNECT_EXAMPLE_COM),
                sendByteByByte(concat(new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                        SocksAddress.ofIp(SocksClientHandshakeTest.ip("2001:db8::1"), 1)).toBytes(), DATA)));
                Socket socket = open(peer)) {
            SocksProxy proxy = proxy(peer, SocksVersion.SOCKS5).withCredentials("alice", PASSWORD);
            InetSocketAddress bound = connect(socket, proxy, EXAMPLE_COM, in(10_000));
            assertEquals(new InetSocketAddress(SocksClientHandshakeTest.ip("2001:db8::1"), 1), bound);
            assertArrayEquals(DATA, socket.getInputStream().readNBytes(DATA.length));
            peer.await();
        }
    }

    @Test
    void timesOutWithinTheDeadlineWhenTheProxyStalls() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), stall());
                Socket socket = open(peer)) {
            long start = System.nanoTime();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(300)));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsed >= 250 && elapsed < 5000, "elapsed " + elapsed + " ms");
            assertTrue(e.getMessage().contains("waiting for the SOCKS5 method selection"), e.getMessage());
            assertTrue(e.getMessage().contains(peer.address().getPort() + " => 10.1.2.3:80"), e.getMessage());
        }
    }

    @Test
    void timesOutWhenTheProxyStallsMidMessage() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), send(hex("05 00 00 01 7f")), stall());
                Socket socket = open(peer)) {
            long start = System.nanoTime();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(400)));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsed >= 350 && elapsed < 5000, "elapsed " + elapsed + " ms");
            assertTrue(e.getMessage().contains("waiting for the SOCKS5 reply"), e.getMessage());
        }
    }

    @Test
    void timesOutAtOnceWhenTheDeadlineHasPassed() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(stall());
                Socket socket = open(peer)) {
            assertThrows(SocketTimeoutException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, System.nanoTime() - 1));
        }
    }

    @Test
    void reportsATruncatedReply() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), send(hex("05 00 00 04 20010db8")), hangUp());
                Socket socket = open(peer)) {
            SocksProtocolException e = assertThrows(SocksProtocolException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            assertTrue(e.getMessage().contains("closed the connection after 8 bytes of the SOCKS5 reply (expected at "
                    + "least 22)"), e.getMessage());
        }
    }

    @Test
    void reportsACloseRightAfterTheConnectionWasAccepted() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(hangUp());
                Socket socket = open(peer)) {
            IOException e = assertThrows(IOException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            // Depending on timing the greeting's write or the read sees the close.
            assertTrue(e instanceof SocksProtocolException || e instanceof java.net.SocketException, e.toString());
        }
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), hangUp());
                Socket socket = open(peer)) {
            SocksProtocolException e = assertThrows(SocksProtocolException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            assertTrue(e.getMessage().contains("instead of sending the SOCKS5 method selection"), e.getMessage());
        }
    }

    @Test
    void reportsACloseAfterTheGreetingWasAnswered() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), hangUp());
                Socket socket = open(peer)) {
            SocksProtocolException e = assertThrows(SocksProtocolException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            assertTrue(e.getMessage().contains("instead of sending the SOCKS5 reply"), e.getMessage());
        }
    }

    @Test
    void reportsAWrongVersion() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(hex("04 00")), stall());
                Socket socket = open(peer)) {
            SocksProtocolException e = assertThrows(SocksProtocolException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            assertTrue(e.getMessage().contains("SOCKS5 method selection: VER is 0x04 (expected 0x05)"),
                    e.getMessage());
        }
    }

    @Test
    void reportsAnUnassignedReplyCodeAsAFailure() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), send(Socks5CommandResponse.failure(Socks5CommandStatus.valueOf(0x2A))
                        .toBytes()));
                Socket socket = open(peer)) {
            SocksConnectException e = assertThrows(SocksConnectException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            assertEquals(Reason.UNASSIGNED, e.reason());
            assertEquals(0x2A, e.replyCode());
            assertTrue(e.getMessage().contains("REP 0x2A"), e.getMessage());
        }
    }

    @Test
    void reportsNoAcceptableMethod() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(hex("05 ff")), hangUp());
                Socket socket = open(peer)) {
            SocksConnectException e = assertThrows(SocksConnectException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            assertEquals(Reason.NO_ACCEPTABLE_METHOD, e.reason());
        }
    }

    @Test
    void reportsAMethodTheClientDidNotOffer() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(hex("05 02")), stall());
                Socket socket = open(peer)) {
            SocksProtocolException e = assertThrows(SocksProtocolException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), DESTINATION, in(5000)));
            assertTrue(e.getMessage().contains("METHOD is PASSWORD(0x02) (expected one the client offered"),
                    e.getMessage());
        }
    }

    @Test
    void reportsRefusedAuthenticationForReplyVersions1And5() throws Exception {
        for (String reply : new String[] {"01 01", "05 01"}) {
            try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 02 00 02")),
                    send(new Socks5InitialResponse(Socks5AuthMethod.PASSWORD).toBytes()),
                    expect(SocksClientHandshakeTest.AUTH_ALICE), send(hex(reply)), hangUp());
                    Socket socket = open(peer)) {
                SocksProxy proxy = proxy(peer, SocksVersion.SOCKS5).withCredentials("alice", PASSWORD);
                SocksConnectException e = assertThrows(SocksConnectException.class,
                        () -> connect(socket, proxy, DESTINATION, in(5000)));
                assertEquals(Reason.AUTHENTICATION_FAILED, e.reason());
                assertTrue(e.getMessage().contains("socks5://alice:****@"), e.getMessage());
                assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
                peer.await();
            }
        }
    }

    @Test
    void mapsConnectionRefusedAndUnreachableReplies() throws Exception {
        record Case(int rep, InetSocketAddress destination, Class<? extends IOException> type) {
        }
        for (Case c : new Case[] {
                new Case(0x05, DESTINATION, SocksConnectException.class),
                new Case(0x03, DESTINATION, NoRouteToHostException.class),
                new Case(0x04, DESTINATION, NoRouteToHostException.class),
                new Case(0x04, EXAMPLE_COM, UnknownHostException.class)}) {
            try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                    expect(hex("05 01 00")), ScriptedSocksPeer.pause(50),
                    send(Socks5CommandResponse.failure(Socks5CommandStatus.valueOf(c.rep())).toBytes()), stall());
                    Socket socket = open(peer)) {
                IOException e = assertThrows(IOException.class,
                        () -> connect(socket, proxy(peer, SocksVersion.SOCKS5), c.destination(), in(5000)));
                assertEquals(c.type(), e.getClass());
                if (c.rep() == 0x05) {
                    assertTrue(e instanceof ConnectException);
                    assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
                }
            }
        }
    }

    @Test
    void connectsThroughSocks4And4a() throws Exception {
        byte[] granted = new Socks4CommandResponse(Socks4CommandStatus.GRANTED,
                SocksClientHandshakeTest.ip("0.0.0.0"), 0).toBytes();
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("04 01 0050 0a010203 00")),
                send(granted, DATA));
                Socket socket = open(peer)) {
            connect(socket, proxy(peer, SocksVersion.SOCKS4), DESTINATION, in(5000));
            assertArrayEquals(DATA, socket.getInputStream().readNBytes(DATA.length));
            peer.await();
        }
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(
                expect(hex("04 01 01bb 00000001 00 6578616d706c652e636f6d00")),
                send(Socks4CommandResponse.of(Socks4CommandStatus.REJECTED_OR_FAILED).toBytes()));
                Socket socket = open(peer)) {
            SocksConnectException e = assertThrows(SocksConnectException.class,
                    () -> connect(socket, proxy(peer, SocksVersion.SOCKS4A), EXAMPLE_COM, in(5000)));
            assertEquals(Reason.CONNECTION_REFUSED, e.reason());
            assertEquals(91, e.replyCode());
        }
    }

    @Test
    void socksClientReturnsAConnectedSocket() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), send(SUCCEEDED, DATA), expect(hex("2a")));
                Socket socket = SocksClient.connect(proxy(peer, SocksVersion.SOCKS5), DESTINATION, 5000)) {
            assertEquals(0, socket.getSoTimeout());
            InputStream in = socket.getInputStream();
            assertArrayEquals(DATA, in.readNBytes(DATA.length));
            socket.getOutputStream().write(0x2a);
            peer.await();
        }
    }

    @Test
    void socksClientClosesTheSocketOnFailure() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(CONNECT_DESTINATION), send(Socks5CommandResponse.failure(Socks5CommandStatus.NOT_ALLOWED)
                        .toBytes()), expectEndOfStream())) {
            SocksConnectException e = assertThrows(SocksConnectException.class,
                    () -> SocksClient.connect(proxy(peer, SocksVersion.SOCKS5), DESTINATION, 5000));
            assertEquals(Reason.NOT_ALLOWED, e.reason());
            peer.await();
            assertTrue(peer.clientClosed());
        }
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), stall())) {
            assertThrows(SocketTimeoutException.class,
                    () -> SocksClient.connect(proxy(peer, SocksVersion.SOCKS5), DESTINATION, 300));
            peer.await();
            assertTrue(peer.clientClosed(), "the socket was left open after the timeout");
        }
    }

    @Test
    void socksClientNamesTheProxyItCannotReach() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        SocksProxy nobody = SocksProxy.of(SocksVersion.SOCKS5, new InetSocketAddress("127.0.0.1", port));
        ConnectException e = assertThrows(ConnectException.class, () -> SocksClient.connect(nobody, DESTINATION, 2000));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port + ": cannot connect to the proxy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SocksClient.connect(nobody, DESTINATION, 0));
    }

    @Test
    void bindsAndWaitsForThePeer() throws Exception {
        byte[] first = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                SocksAddress.ofIp(SocksClientHandshakeTest.ip("0.0.0.0"), 5555)).toBytes();
        byte[] second = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                SocksAddress.ofIp(SocksClientHandshakeTest.ip("10.1.2.3"), 2020)).toBytes();
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(GREETING), send(NO_AUTH),
                expect(hex("05 02 00 01 0a010203 0050")), send(first), ScriptedSocksPeer.pause(200),
                send(second, DATA), stall());
                SocksBind bind = SocksClient.bind(proxy(peer, SocksVersion.SOCKS5), DESTINATION, 5000)) {
            assertEquals(new InetSocketAddress(SocksClientHandshakeTest.ip("127.0.0.1"), 5555), bind.listenAddress());
            assertEquals(new InetSocketAddress(SocksClientHandshakeTest.ip("0.0.0.0"), 5555),
                    bind.reportedListenAddress());
            assertEquals(null, bind.peerAddress());
            assertEquals(new InetSocketAddress(SocksClientHandshakeTest.ip("10.1.2.3"), 2020),
                    bind.awaitPeer(in(5000)));
            assertArrayEquals(DATA, bind.socket().getInputStream().readNBytes(DATA.length));
        }
    }

    @Test
    void bindTimesOutWhenNoPeerConnects() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("04 02 0050 0a010203 00")),
                send(new Socks4CommandResponse(Socks4CommandStatus.GRANTED,
                        SocksClientHandshakeTest.ip("127.0.0.1"), 5555).toBytes()), stall());
                SocksBind bind = SocksClient.bind(proxy(peer, SocksVersion.SOCKS4), DESTINATION, 5000)) {
            long start = System.nanoTime();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> bind.awaitPeer(in(300)));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsed >= 250 && elapsed < 5000, "elapsed " + elapsed + " ms");
            assertTrue(e.getMessage().contains("second SOCKS4 BIND reply"), e.getMessage());
        }
    }
}
