package io.socksify.protocol.client;

import static io.socksify.protocol.client.ScriptedSocksPeer.expect;
import static io.socksify.protocol.client.ScriptedSocksPeer.expectEndOfStream;
import static io.socksify.protocol.client.ScriptedSocksPeer.hangUp;
import static io.socksify.protocol.client.ScriptedSocksPeer.hex;
import static io.socksify.protocol.client.ScriptedSocksPeer.pause;
import static io.socksify.protocol.client.ScriptedSocksPeer.send;
import static io.socksify.protocol.client.ScriptedSocksPeer.stall;
import static io.socksify.protocol.client.SocksClientHandshakeTest.ip;
import static io.socksify.protocol.client.SocksClientHandshakeTest.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5InitialResponse;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class UdpAssociationTest {
    static final byte[] NO_AUTH = new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes();
    static final byte[] WILDCARD_RELAY = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
            SocksAddress.ofIp(ip("0.0.0.0"), 7777)).toBytes();

    static SocksProxy proxy(ScriptedSocksPeer peer) {
        return SocksProxy.of(SocksVersion.SOCKS5, peer.address());
    }

    @Test
    void sendsTheUdpSocketsRealAddressAndReplacesAWildcardRelay() throws Exception {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(ip("0.0.0.0"), 0))) {
            int port = udp.getLocalPort();
            byte[] request = hex(String.format("""
                    05 03 00     # VER, CMD UDP ASSOCIATE, RSV
                    01 7f000001  # ATYP IPv4, 127.0.0.1: the wildcard-bound socket sends from the control's address
                    %04x         # DST.PORT: the UDP socket's port
                    """, port));
            try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                    expect(request), send(WILDCARD_RELAY), stall());
                    UdpAssociation association = UdpAssociation.open(proxy(peer),
                            (InetSocketAddress) udp.getLocalSocketAddress(), 5000)) {
                assertEquals(new InetSocketAddress(ip("127.0.0.1"), port), association.requestedClientAddress());
                assertEquals(new InetSocketAddress(ip("0.0.0.0"), 7777), association.reportedRelayAddress());
                assertEquals(new InetSocketAddress(ip("127.0.0.1"), 7777), association.relayAddress());
                assertTrue(association.isOpen());
            }
        }
    }

    @Test
    void sendsZerosWhenTheClientAddressIsUnknownAndTakesAnOverride() throws Exception {
        InetSocketAddress override = new InetSocketAddress(ip("192.0.2.9"), 9999);
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                expect(hex("05 03 00 01 00000000 0000")), send(WILDCARD_RELAY), stall());
                UdpAssociation association = UdpAssociation.open(proxy(peer), null, override, 5000)) {
            assertNull(association.requestedClientAddress());
            assertEquals(override, association.relayAddress());
            assertTrue(association.isFromRelay(override));
            assertFalse(association.isFromRelay(new InetSocketAddress(ip("192.0.2.9"), 9998)));
        }
    }

    @Test
    void noticesWhenTheProxyClosesTheControlConnection() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                expect(hex("05 03 00 01 00000000 0000")), send(WILDCARD_RELAY), pause(300), hangUp());
                UdpAssociation association = UdpAssociation.open(proxy(peer), null, 5000)) {
            CountDownLatch ended = new CountDownLatch(1);
            association.onClose(ended::countDown);
            assertTrue(association.isOpen());
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the close was not noticed");
            assertFalse(association.isOpen());
            CountDownLatch late = new CountDownLatch(1);
            association.onClose(late::countDown);
            assertEquals(0, late.getCount(), "a listener added after the end runs at once");
        }
    }

    @Test
    void isOpenSeesTheCloseWithoutAWatcher() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                expect(hex("05 03 00 01 00000000 0000")), send(WILDCARD_RELAY), hangUp());
                UdpAssociation association = UdpAssociation.open(proxy(peer), null, 5000)) {
            peer.await();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (association.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertFalse(association.isOpen());
        }
    }

    @Test
    void closeEndsTheControlConnection() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                expect(hex("05 03 00 01 00000000 0000")), send(WILDCARD_RELAY), expectEndOfStream())) {
            UdpAssociation association = UdpAssociation.open(proxy(peer), null, 5000);
            CountDownLatch ended = new CountDownLatch(1);
            association.onClose(ended::countDown);
            association.close();
            assertEquals(0, ended.getCount());
            assertFalse(association.isOpen());
            peer.await();
            assertTrue(peer.clientClosed());
        }
    }

    @Test
    void reportsAProxyWithoutUdp() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                expect(hex("05 03 00 01 00000000 0000")),
                send(Socks5CommandResponse.failure(Socks5CommandStatus.COMMAND_NOT_SUPPORTED).toBytes()),
                expectEndOfStream())) {
            SocksConnectException e = assertThrows(SocksConnectException.class,
                    () -> UdpAssociation.open(proxy(peer), null, 5000));
            assertEquals(Reason.COMMAND_NOT_SUPPORTED, e.reason());
            assertTrue(e.getMessage().contains("UDP ASSOCIATE"), e.getMessage());
            peer.await();
        }
        SocksConnectException socks4 = assertThrows(SocksConnectException.class, () -> UdpAssociation.open(
                SocksProxy.of(SocksVersion.SOCKS4, new InetSocketAddress(ip("127.0.0.1"), 1)), null, 5000));
        assertEquals(Reason.COMMAND_NOT_SUPPORTED, socks4.reason());
    }

    @Test
    void timesOutWhenTheProxyStalls() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), stall())) {
            long start = System.nanoTime();
            assertThrows(java.net.SocketTimeoutException.class, () -> UdpAssociation.open(proxy(peer), null, 300));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsed >= 250 && elapsed < 5000, "elapsed " + elapsed + " ms");
            peer.await();
            assertTrue(peer.clientClosed());
        }
    }

    @Test
    void wrapsAndUnwrapsDatagrams() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                expect(hex("05 03 00 01 00000000 0000")), send(WILDCARD_RELAY), stall());
                UdpAssociation association = UdpAssociation.open(proxy(peer), null, 5000)) {
            byte[] payload = "ping".getBytes(StandardCharsets.US_ASCII);
            assertEquals(norm("""
                    0000 00      # RSV, FRAG 0
                    01 0a010203  # ATYP IPv4, 10.1.2.3
                    0035         # DST.PORT 53
                    70696e67     # DATA "ping"
                    """), hex(association.wrap(new InetSocketAddress(ip("10.1.2.3"), 53), payload, 0, 4)));
            assertEquals(norm("0000 00 03 0b 6578616d706c652e636f6d 0035 70696e67"), hex(association.wrap(
                    InetSocketAddress.createUnresolved("example.com", 53), payload, 0, 4)), "a name stays a name");

            UdpAssociation.Datagram fromName = UdpAssociation.unwrap(
                    hex("0000 00 03 0b 6578616d706c652e636f6d 0035 706f6e67"), 0, 22);
            assertEquals(InetSocketAddress.createUnresolved("example.com", 53), fromName.source());
            assertArrayEquals("pong".getBytes(StandardCharsets.US_ASCII), fromName.payload());

            ByteBuffer fromIpv6 = ByteBuffer.wrap(hex("0000 00 04 20010db8000000000000000000000001 0035 706f6e67"));
            assertEquals(new InetSocketAddress(ip("2001:db8::1"), 53), UdpAssociation.unwrap(fromIpv6));
            assertEquals(4, fromIpv6.remaining(), "the position is at the payload");

            assertNull(UdpAssociation.unwrap(hex("0000 01 01 0a010203 0035 706f6e67"), 0, 14), "FRAG 1 dropped");
            assertThrows(SocksProtocolException.class,
                    () -> UdpAssociation.unwrap(hex("0001 00 01 0a010203 0035"), 0, 10));
            assertThrows(SocksProtocolException.class, () -> UdpAssociation.unwrap(hex("0000 00 01 0a01"), 0, 6));
        }
    }

    @Test
    void knowsTheLargestPayloadForEachHeader() throws Exception {
        try (ScriptedSocksPeer peer = ScriptedSocksPeer.start(expect(hex("05 01 00")), send(NO_AUTH),
                expect(hex("05 03 00 01 00000000 0000")), send(WILDCARD_RELAY), stall());
                UdpAssociation association = UdpAssociation.open(proxy(peer), null, 5000)) {
            InetSocketAddress ipv4 = new InetSocketAddress(ip("10.1.2.3"), 53);
            InetSocketAddress ipv6 = new InetSocketAddress(ip("2001:db8::1"), 53);
            InetSocketAddress name = InetSocketAddress.createUnresolved("example.com", 53);
            assertEquals(10, UdpAssociation.headerLength(ipv4));
            assertEquals(22, UdpAssociation.headerLength(ipv6));
            assertEquals(7 + 11, UdpAssociation.headerLength(name));
            assertEquals(65_507 - 10, association.maxPayload(ipv4), "an IPv4 relay");
            assertEquals(65_507 - 22, association.maxPayload(ipv6));
            assertEquals(65_507 - 18, association.maxPayload(name));
            byte[] tooBig = new byte[65_507 - 9];
            SocketException e = assertThrows(SocketException.class,
                    () -> association.wrap(ipv4, tooBig, 0, tooBig.length));
            assertTrue(e.getMessage().contains("larger than the 65497 bytes"), e.getMessage());
        }
    }

    @Test
    void rejectsAnInvalidHostNameAsUnknown() {
        assertThrows(IOException.class, () -> UdpAssociation.headerLength(
                InetSocketAddress.createUnresolved("x".repeat(300), 1)));
    }
}
