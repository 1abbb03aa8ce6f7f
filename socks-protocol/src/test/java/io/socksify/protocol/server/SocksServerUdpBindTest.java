package io.socksify.protocol.server;

import static io.socksify.protocol.server.Peers.LOCALHOST;
import static io.socksify.protocol.server.Peers.OTHER_LOOPBACK;
import static io.socksify.protocol.server.Peers.concat;
import static io.socksify.protocol.server.Peers.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks4CommandRequest;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandType;
import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksAddress;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class SocksServerUdpBindTest {
    private SocksServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Opens a UDP association for {@code udp}'s port; returns the control connection and the relay address. */
    private Object[] associate(DatagramSocket udp, int dstPort) throws IOException {
        return associate(SocksAddress.ofIp(Peers.address("0.0.0.0"), dstPort));
    }

    /** Opens a UDP association whose request carries {@code dst} as {@code DST}. */
    private Object[] associate(SocksAddress dst) throws IOException {
        Peers.RawClient control = new Peers.RawClient(server.address());
        control.write(hex("05 01 00")).expect("05 00");
        control.write(new Socks5CommandRequest(Socks5CommandType.UDP_ASSOCIATE, dst).toBytes());
        Socks5CommandResponse reply = control.readSocks5Reply();
        assertEquals(Socks5CommandStatus.SUCCEEDED, reply.status());
        return new Object[] {control, reply.bound().toInetSocketAddress()};
    }

    private static void send(DatagramSocket udp, InetSocketAddress relay, int frag, SocksAddress dst, byte[] data)
            throws IOException {
        byte[] d = concat(new Socks5UdpHeader(frag, dst).toBytes(), data);
        udp.send(new DatagramPacket(d, d.length, relay));
    }

    /** @return the header and the payload of the next datagram, or null if none came within the socket timeout */
    private static Object[] receive(DatagramSocket udp) throws IOException {
        byte[] buf = new byte[65536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            udp.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(buf, 0, p.getLength());
        Socks5UdpHeader h = Socks5UdpHeader.decode(b);
        return new Object[] {h, Arrays.copyOfRange(buf, b.position(), p.getLength())};
    }

    @Test
    void relaysUdpFromTheOutgoingAddressAndRepliesWithTheRealSender() throws Exception {
        server = SocksServer.builder().port(0).outgoingBindAddress(OTHER_LOOPBACK).start();
        try (Peers.UdpEchoTarget echo = new Peers.UdpEchoTarget(LOCALHOST);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            udp.setSoTimeout(3000);
            Object[] a = associate(udp, udp.getLocalPort());
            try (Peers.RawClient control = (Peers.RawClient) a[0]) {
                assertTrue(control.socket.isConnected());
                InetSocketAddress relay = (InetSocketAddress) a[1];
                assertEquals(LOCALHOST, relay.getAddress(), "relay bound to the control connection's local "
                        + "address, never the wildcard");
                byte[] data = "ping".getBytes(StandardCharsets.US_ASCII);
                send(udp, relay, 0, SocksAddress.of(echo.address()), data);
                Object[] back = receive(udp);
                assertTrue(back != null, "no datagram came back");
                Socks5UdpHeader h = (Socks5UdpHeader) back[0];
                assertEquals(0, h.fragment());
                assertEquals(SocksAddress.of(echo.address()), h.address(), "the real sender, as an IP ATYP");
                assertArrayEquals(data, (byte[]) back[1]);
                assertEquals(OTHER_LOOPBACK, echo.sources.get(0).getAddress());

                // A name is resolved by the server.
                send(udp, relay, 0, SocksAddress.ofHost("localhost", echo.address().getPort()), data);
                Object[] named = receive(udp);
                assertTrue(named != null, "no reply to a datagram for a host name");
                assertFalse(((Socks5UdpHeader) named[0]).address().isDomain());
            }
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(Socks5CommandType.UDP_ASSOCIATE, r.command());
            assertEquals(2, r.datagramsFromClient());
            assertEquals(2, r.datagramsToClient());
            assertEquals(8, r.bytesFromClient());
        }
    }

    @Test
    void dropsFragmentsAndDatagramsFromOtherSources() throws Exception {
        server = SocksServer.builder().port(0).start();
        try (Peers.UdpEchoTarget echo = new Peers.UdpEchoTarget(LOCALHOST);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket otherPort = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket otherIp = new DatagramSocket(new InetSocketAddress(Peers.address("127.0.0.3"), 0))) {
            udp.setSoTimeout(1000);
            Object[] a = associate(udp, udp.getLocalPort());
            try (Peers.RawClient control = (Peers.RawClient) a[0]) {
                assertTrue(control.socket.isConnected());
                InetSocketAddress relay = (InetSocketAddress) a[1];
                SocksAddress dst = SocksAddress.of(echo.address());
                send(udp, relay, 1, dst, "fragment".getBytes(StandardCharsets.US_ASCII));
                send(otherPort, relay, 0, dst, "other port".getBytes(StandardCharsets.US_ASCII));
                send(otherIp, relay, 0, dst, "other ip".getBytes(StandardCharsets.US_ASCII));
                send(udp, relay, 0, dst, "whole".getBytes(StandardCharsets.US_ASCII));
                Object[] back = receive(udp);
                assertTrue(back != null);
                assertEquals("whole", new String((byte[]) back[1], StandardCharsets.US_ASCII));
                assertEquals(1, echo.sources.size(), "only the whole datagram from the client went out: "
                        + echo.sources);
                // A datagram to the relay from a stranger gets nothing back either.
                otherPort.setSoTimeout(300);
                assertThrows(SocketTimeoutException.class, () -> otherPort.receive(new DatagramPacket(new byte[10],
                        10)));
            }
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(1, r.datagramsFromClient());
        }
    }

    /** Asserts the control connection is still open: no EOF and no reset within a moment. */
    private static void assertStillOpen(Peers.RawClient control) throws IOException {
        control.socket.setSoTimeout(200);
        assertThrows(SocketTimeoutException.class, () -> control.in.read(), "the control connection was closed");
    }

    @ParameterizedTest
    @CsvSource({"255.255.255.255, 9", "127.0.0.1, 0"})
    void aDatagramThatCannotBeSentIsDroppedAndTheAssociationLives(String undeliverable, int port) throws Exception {
        // To a broadcast address send fails with EACCES (no SO_BROADCAST: BindException), to port 0 with
        // "Can't send to port 0"; the next datagram must still go out.
        server = SocksServer.builder().port(0).start();
        try (Peers.UdpEchoTarget echo = new Peers.UdpEchoTarget(LOCALHOST);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            udp.setSoTimeout(3000);
            Object[] a = associate(udp, udp.getLocalPort());
            try (Peers.RawClient control = (Peers.RawClient) a[0]) {
                InetSocketAddress relay = (InetSocketAddress) a[1];
                send(udp, relay, 0, SocksAddress.ofIp(Peers.address(undeliverable), port), new byte[] {1, 2, 3});
                byte[] data = "after".getBytes(StandardCharsets.US_ASCII);
                send(udp, relay, 0, SocksAddress.of(echo.address()), data);
                Object[] back = receive(udp);
                assertTrue(back != null, "a datagram after the undeliverable one was not relayed");
                assertArrayEquals(data, (byte[]) back[1]);
                assertStillOpen(control);
                assertEquals(1, server.activeSessions());
            }
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(null, r.failure(), "the association ended only with its control connection");
            assertEquals(1, r.datagramsFromClient());
        }
    }

    @Test
    void aReplyTooLongForTheClientOnceTheHeaderIsAddedIsDropped() throws Exception {
        server = SocksServer.builder().port(0).start();
        try (DatagramSocket target = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            target.setSoTimeout(3000);
            udp.setSoTimeout(3000);
            Object[] a = associate(udp, udp.getLocalPort());
            try (Peers.RawClient control = (Peers.RawClient) a[0]) {
                InetSocketAddress relay = (InetSocketAddress) a[1];
                SocksAddress dst = SocksAddress.of((InetSocketAddress) target.getLocalSocketAddress());
                send(udp, relay, 0, dst, new byte[] {7});
                DatagramPacket request = new DatagramPacket(new byte[16], 16);
                target.receive(request);
                // The largest IPv4 UDP payload: with the 10-byte header it no longer fits a datagram to the client.
                byte[] big = new byte[65_507];
                target.send(new DatagramPacket(big, big.length, request.getSocketAddress()));
                byte[] small = "small".getBytes(StandardCharsets.US_ASCII);
                target.send(new DatagramPacket(small, small.length, request.getSocketAddress()));
                Object[] back = receive(udp);
                assertTrue(back != null, "the reply after the oversized one did not arrive");
                assertArrayEquals(small, (byte[]) back[1]);
                // The largest reply that does fit still goes through.
                byte[] fits = new byte[65_507 - 10];
                target.send(new DatagramPacket(fits, fits.length, request.getSocketAddress()));
                Object[] fitted = receive(udp);
                assertTrue(fitted != null, "a reply of exactly the maximum size did not arrive");
                assertEquals(fits.length, ((byte[]) fitted[1]).length);
                assertStillOpen(control);
            }
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(null, r.failure());
            assertEquals(2, r.datagramsToClient());
        }
    }

    @Test
    void aRequestNamingTheDestinationInsteadOfTheClientPinsTheFirstPortSeen() throws Exception {
        // socks-notes pitfall 1: many clients send the destination as DST; its port is not theirs.
        server = SocksServer.builder().port(0).start();
        try (Peers.UdpEchoTarget echo = new Peers.UdpEchoTarget(OTHER_LOOPBACK);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0));
             DatagramSocket otherPort = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            udp.setSoTimeout(3000);
            Object[] a = associate(SocksAddress.of(echo.address()));
            try (Peers.RawClient control = (Peers.RawClient) a[0]) {
                InetSocketAddress relay = (InetSocketAddress) a[1];
                byte[] data = "pinned".getBytes(StandardCharsets.US_ASCII);
                send(udp, relay, 0, SocksAddress.of(echo.address()), data);
                Object[] back = receive(udp);
                assertTrue(back != null, "the client's datagrams were dropped: its port was pinned to DST.PORT");
                assertArrayEquals(data, (byte[]) back[1]);
                // The first port seen is the client's from now on.
                send(otherPort, relay, 0, SocksAddress.of(echo.address()), data);
                send(udp, relay, 0, SocksAddress.of(echo.address()), data);
                assertTrue(receive(udp) != null);
                assertStillOpen(control);
            }
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(2, r.datagramsFromClient(), "the datagram from another port was dropped");
        }
    }

    @Test
    void requestedClientPortIsUsedOnlyWhenTheRequestNamesTheClient() {
        java.net.InetAddress client = LOCALHOST;
        assertEquals(4000, UdpRelay.requestedClientPort(client, SocksAddress.ofIp(LOCALHOST, 4000)));
        assertEquals(4000, UdpRelay.requestedClientPort(client, SocksAddress.ofIp(Peers.address("0.0.0.0"), 4000)));
        assertEquals(4000, UdpRelay.requestedClientPort(client, SocksAddress.ofIp(Peers.address("::"), 4000)));
        assertEquals(0, UdpRelay.requestedClientPort(client, SocksAddress.ofIp(OTHER_LOOPBACK, 4000)));
        assertEquals(0, UdpRelay.requestedClientPort(client, SocksAddress.ofHost("example.com", 4000)));
        assertEquals(0, UdpRelay.requestedClientPort(client, SocksAddress.ofIp(LOCALHOST, 0)));
    }

    @Test
    void endsTheAssociationWithItsControlConnection() throws Exception {
        server = SocksServer.builder().port(0).start();
        try (Peers.UdpEchoTarget echo = new Peers.UdpEchoTarget(LOCALHOST);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOCALHOST, 0))) {
            udp.setSoTimeout(500);
            Object[] a = associate(udp, 0);
            InetSocketAddress relay = (InetSocketAddress) a[1];
            ((Peers.RawClient) a[0]).close();
            server.awaitRecords(1, Duration.ofSeconds(10));
            send(udp, relay, 0, SocksAddress.of(echo.address()), new byte[] {1});
            assertEquals(null, receive(udp), "the relay is gone with its control connection");
            assertTrue(echo.sources.isEmpty());
        }
    }

    @Test
    void socks5BindSendsBothRepliesAndRelaysThePeer() throws Exception {
        server = SocksServer.builder().port(0).start();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(new Socks5CommandRequest(Socks5CommandType.BIND, SocksAddress.ofIp(LOCALHOST, 0)).toBytes());
            Socks5CommandResponse first = c.readSocks5Reply();
            assertEquals(Socks5CommandStatus.SUCCEEDED, first.status());
            assertEquals(LOCALHOST, first.bound().ip());
            try (Socket peer = new Socket(first.bound().ip(), first.bound().port())) {
                peer.setSoTimeout(5000);
                Socks5CommandResponse second = c.readSocks5Reply();
                assertEquals(Socks5CommandStatus.SUCCEEDED, second.status());
                assertEquals(SocksAddress.of((InetSocketAddress) peer.getLocalSocketAddress()), second.bound(),
                        "the second reply names the peer");
                peer.getOutputStream().write("from peer".getBytes(StandardCharsets.US_ASCII));
                assertEquals("from peer", new String(c.read(9), StandardCharsets.US_ASCII));
                c.write("from client".getBytes(StandardCharsets.US_ASCII));
                assertEquals("from client", new String(peer.getInputStream().readNBytes(11),
                        StandardCharsets.US_ASCII));
                peer.shutdownOutput();
                assertEquals(-1, c.in.read(), "the peer's half-close reaches the client");
            }
        }
        SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
        assertEquals(Socks5CommandType.BIND, r.command());
        assertEquals(11, r.bytesFromClient());
        assertEquals(9, r.bytesToClient());
    }

    @Test
    void aBindEndsWhenTheClientClosesBeforeThePeerConnects() throws Exception {
        server = SocksServer.builder().port(0).start();
        InetSocketAddress listening;
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(new Socks5CommandRequest(Socks5CommandType.BIND, SocksAddress.ofIp(LOCALHOST, 0)).toBytes());
            listening = c.readSocks5Reply().bound().toInetSocketAddress();
        }
        // Well before the 60 s a BIND waits for its peer.
        SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(5)).get(0);
        assertTrue(r.failure().contains("before the BIND peer connected"), r.failure());
        // A closed channel that is registered with a selector keeps its socket until the selector's next select
        // (JDK NIO defers the close), so the listener goes away shortly after the record, not necessarily before.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (listenerAccepts(listening) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThrows(java.net.ConnectException.class, () -> new Socket(listening.getAddress(), listening.getPort())
                .close(), "the BIND listener is closed");
    }

    private static boolean listenerAccepts(InetSocketAddress address) {
        try (Socket probe = new Socket(address.getAddress(), address.getPort())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void socks4BindSendsBothReplies() throws Exception {
        server = SocksServer.builder().port(0).start();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(new Socks4CommandRequest(Socks4CommandType.BIND, SocksAddress.ofIp(LOCALHOST, 0), "").toBytes());
            Socks4CommandResponse first = Socks4CommandResponse.decode(ByteBuffer.wrap(c.read(8)));
            assertTrue(first.status().isSuccess());
            try (Socket peer = new Socket(first.address(), first.port())) {
                Socks4CommandResponse second = Socks4CommandResponse.decode(ByteBuffer.wrap(c.read(8)));
                assertTrue(second.status().isSuccess());
                assertEquals(peer.getLocalPort(), second.port());
                peer.getOutputStream().write(42);
                assertEquals(42, c.in.read());
            }
        }
    }

    @Test
    void rejectsABindPeerOtherThanTheExpectedOne() throws Exception {
        server = SocksServer.builder().port(0).start();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(new Socks5CommandRequest(Socks5CommandType.BIND,
                    SocksAddress.ofIp(Peers.address("127.0.0.9"), 0)).toBytes());
            Socks5CommandResponse first = c.readSocks5Reply();
            try (Socket peer = new Socket(first.bound().ip(), first.bound().port())) {
                assertTrue(peer.isConnected());
                assertEquals(Socks5CommandStatus.NOT_ALLOWED, c.readSocks5Reply().status());
                c.expectClosed();
            }
        }
    }
}
