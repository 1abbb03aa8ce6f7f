package io.socksify.it.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Dante;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.client.SocksBind;
import io.socksify.protocol.client.SocksClient;
import io.socksify.protocol.client.SocksConnectException;
import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.client.UdpAssociation;
import io.socksify.protocol.wire.SocksVersion;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The socks-protocol client through a real Dante: CONNECT (SOCKS4 and 5), BIND, UDP ASSOCIATE and the username
 * method. Dante sends from 127.0.0.2 and every target serves only 127.0.0.2, so an answer proves transit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DanteClientIT {
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final String USER = "socksit";
    private static final String PASSWORD = "pw-for-dante-1";

    @ParameterizedTest
    @EnumSource(value = SocksVersion.class, names = {"SOCKS4", "SOCKS5"})
    void connects(SocksVersion version) throws IOException {
        try (Dante dante = Dante.builder().start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress());
                Socket socket = SocksClient.connect(SocksProxy.of(version, dante.address()), target.address(),
                        TIMEOUT_MILLIS)) {
            Echo.roundTrip(socket, "hello through Dante " + version);
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress(), dante.describe());
            target.assertNoRejected();
        }
    }

    @Test
    void connectsWithTheUsernameMethod() throws IOException {
        try (Dante dante = Dante.builder().username(USER, PASSWORD).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress());
                Socket socket = SocksClient.connect(SocksProxy.of(SocksVersion.SOCKS5, dante.address())
                        .withCredentials(USER, PASSWORD), target.address(), TIMEOUT_MILLIS)) {
            Echo.roundTrip(socket, "hello with a password");
            target.assertNoRejected();
        }
    }

    @Test
    void reportsAWrongPasswordAndMissingCredentials() {
        try (Dante dante = Dante.builder().username(USER, PASSWORD).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            SocksProxy proxy = SocksProxy.of(SocksVersion.SOCKS5, dante.address());
            SocksConnectException wrong = assertThrows(SocksConnectException.class, () -> SocksClient.connect(
                    proxy.withCredentials(USER, "not-the-password"), target.address(), TIMEOUT_MILLIS));
            assertEquals(Reason.AUTHENTICATION_FAILED, wrong.reason(), dante.describe());
            assertFalse(wrong.getMessage().contains("not-the-password"), wrong.getMessage());
            assertTrue(wrong.getMessage().contains("socks5://" + USER + ":****@"), wrong.getMessage());

            SocksConnectException none = assertThrows(SocksConnectException.class,
                    () -> SocksClient.connect(proxy, target.address(), TIMEOUT_MILLIS));
            assertEquals(Reason.NO_ACCEPTABLE_METHOD, none.reason(), dante.describe());
            assertEquals(0, target.acceptedSources().size());
        }
    }

    @Test
    void mapsRefusalsAndRules() {
        int closedPort = FreePort.find(Loopback.LOCALHOST);
        try (Dante dante = Dante.builder().blockDestinationPort(closedPort + 1 == 65536 ? 1 : closedPort + 1)
                .start()) {
            SocksProxy proxy = SocksProxy.of(SocksVersion.SOCKS5, dante.address());
            SocksConnectException refused = assertThrows(SocksConnectException.class, () -> SocksClient.connect(
                    proxy, new InetSocketAddress(Loopback.LOCALHOST, closedPort), TIMEOUT_MILLIS));
            assertEquals(Reason.CONNECTION_REFUSED, refused.reason(), dante.describe());
            assertEquals(5, refused.replyCode());

            int blocked = closedPort + 1 == 65536 ? 1 : closedPort + 1;
            SocksConnectException notAllowed = assertThrows(SocksConnectException.class, () -> SocksClient.connect(
                    proxy, new InetSocketAddress(Loopback.LOCALHOST, blocked), TIMEOUT_MILLIS));
            assertEquals(Reason.NOT_ALLOWED, notAllowed.reason(), dante.describe());

            SocksConnectException socks4Refused = assertThrows(SocksConnectException.class, () -> SocksClient
                    .connect(SocksProxy.of(SocksVersion.SOCKS4, dante.address()),
                            new InetSocketAddress(Loopback.LOCALHOST, closedPort), TIMEOUT_MILLIS));
            assertEquals(Reason.CONNECTION_REFUSED, socks4Refused.reason(), dante.describe());
            assertEquals(91, socks4Refused.replyCode());
        }
    }

    @Test
    void mapsAnUnresolvableName() {
        try (Dante dante = Dante.builder().start()) {
            IOException e = assertThrows(IOException.class, () -> SocksClient.connect(
                    SocksProxy.of(SocksVersion.SOCKS5, dante.address()),
                    InetSocketAddress.createUnresolved("no-such-host.invalid", 80), TIMEOUT_MILLIS));
            assertEquals(java.net.UnknownHostException.class, e.getClass(), e + "\n" + dante.describe());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SocksVersion.class, names = {"SOCKS4", "SOCKS5"})
    void binds(SocksVersion version) throws Exception {
        try (Dante dante = Dante.builder().start();
                // Dante wants the address the peer will come from (see Dante's Javadoc): 127.0.0.1, any port.
                SocksBind bind = SocksClient.bind(SocksProxy.of(version, dante.address()),
                        new InetSocketAddress(Loopback.LOCALHOST, 0), TIMEOUT_MILLIS)) {
            InetSocketAddress listen = bind.listenAddress();
            assertEquals(dante.externalAddress(), listen.getAddress(), dante.describe());
            try (Socket peer = new Socket()) {
                peer.bind(new InetSocketAddress(Loopback.LOCALHOST, 0));
                peer.connect(listen, TIMEOUT_MILLIS);
                InetSocketAddress reported = bind.awaitPeer(System.nanoTime()
                        + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS));
                assertEquals(peer.getLocalPort(), reported.getPort(), dante.describe());

                byte[] hello = "hello from the peer".getBytes(StandardCharsets.US_ASCII);
                peer.getOutputStream().write(hello);
                Socket client = bind.socket();
                client.setSoTimeout(TIMEOUT_MILLIS);
                assertArrayEquals(hello, client.getInputStream().readNBytes(hello.length));
                byte[] answer = "hello from the client".getBytes(StandardCharsets.US_ASCII);
                client.getOutputStream().write(answer);
                peer.setSoTimeout(TIMEOUT_MILLIS);
                assertArrayEquals(answer, peer.getInputStream().readNBytes(answer.length));
            }
        }
    }

    @Test
    void relaysDatagrams() throws Exception {
        try (Dante dante = Dante.builder().start()) {
            relaysDatagrams(dante, SocksProxy.of(SocksVersion.SOCKS5, dante.address()));
        }
    }

    @Test
    void relaysDatagramsWithTheUsernameMethod() throws Exception {
        try (Dante dante = Dante.builder().username(USER, PASSWORD).start()) {
            relaysDatagrams(dante, SocksProxy.of(SocksVersion.SOCKS5, dante.address())
                    .withCredentials(USER, PASSWORD));
        }
    }

    private static void relaysDatagrams(Dante dante, SocksProxy proxy) throws Exception {
        try (UdpEchoTarget target = UdpEchoTarget.acceptingOnly(dante.externalAddress());
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(Loopback.LOCALHOST, 0));
                UdpAssociation association = UdpAssociation.open(proxy,
                        (InetSocketAddress) udp.getLocalSocketAddress(), TIMEOUT_MILLIS)) {
            assertEquals(udp.getLocalSocketAddress(), association.requestedClientAddress());
            udp.setSoTimeout(TIMEOUT_MILLIS);
            for (String text : new String[] {"ping through Dante", "second datagram"}) {
                byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
                byte[] datagram = association.wrap(target.address(), payload, 0, payload.length);
                udp.send(new DatagramPacket(datagram, datagram.length, association.relayAddress()));
                DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
                udp.receive(reply);
                assertTrue(association.isFromRelay(reply.getSocketAddress()), reply.getSocketAddress() + " is not "
                        + association.relayAddress());
                UdpAssociation.Datagram unwrapped = UdpAssociation.unwrap(reply.getData(), reply.getOffset(),
                        reply.getLength());
                assertEquals(target.address(), unwrapped.source());
                assertArrayEquals(payload, unwrapped.payload());
            }
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
            assertTrue(association.isOpen());
        }
    }

    @Test
    void noticesWhenDanteEndsTheAssociation() throws Exception {
        Dante dante = Dante.builder().start();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(Loopback.LOCALHOST, 0));
                UdpAssociation association = UdpAssociation.open(SocksProxy.of(SocksVersion.SOCKS5,
                        dante.address()), (InetSocketAddress) udp.getLocalSocketAddress(), TIMEOUT_MILLIS)) {
            CountDownLatch ended = new CountDownLatch(1);
            association.onClose(ended::countDown);
            assertTrue(association.isOpen());
            dante.close();
            assertTrue(ended.await(15, TimeUnit.SECONDS), "the end of the control connection went unnoticed");
            assertFalse(association.isOpen());
        } finally {
            dante.close();
        }
    }
}
