package io.socksify.it.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Kdc;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.ThreadLeaks;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.client.GssapiOptions;
import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.client.SocksClient;
import io.socksify.protocol.client.SocksClientHandshake;
import io.socksify.protocol.client.SocksConnectException;
import io.socksify.protocol.client.SocksConnection;
import io.socksify.protocol.client.SocksHandshake;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.client.UdpAssociation;
import io.socksify.protocol.server.GssapiAcceptor;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksVersion;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedded server's GSS-API acceptor (RFC 1961) with real Kerberos (a loopback KDC, keys from its keytabs) and
 * socks-protocol's own client: every level, TCP and UDP encapsulated, the principal in the record and in access
 * rules, and the refusals. Targets accept only the server's outgoing address (127.0.0.2): every byte went through.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GssapiServerIT {
    private static final int TIMEOUT_MILLIS = 20_000;
    private static final int MIB = 1 << 20;
    private static Kdc kdc;

    @BeforeAll
    static void startKdc() {
        kdc = Kdc.start();
        System.setProperty("java.security.krb5.conf", kdc.krb5Conf().toString());
    }

    @AfterAll
    static void stopKdc() {
        if (kdc != null) {
            kdc.close();
        }
        System.clearProperty("java.security.krb5.conf");
    }

    private static SocksServer.Builder server(GssapiAcceptor.Level... levels) {
        return SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).gssapi(
                GssapiAcceptor.builder(kdc.serverKeytab()).levels(levels).refreshKrb5Config(true).build());
    }

    private static GssapiOptions.Builder client(Socks5GssapiProtectionLevel level) {
        return GssapiOptions.builder().keytab(kdc.userKeytab()).principal(kdc.userPrincipal())
                .refreshKrb5Config(true).level(level);
    }

    private static SocksProxy proxy(SocksServer server, GssapiOptions options) {
        return SocksProxy.of(SocksVersion.SOCKS5, server.address()).withGssapi(options);
    }

    private static SessionRecord onlyRecord(SocksServer server) throws Exception {
        List<SessionRecord> records = server.awaitRecords(1, Duration.ofSeconds(10));
        assertEquals(1, records.size(), records.toString());
        return records.get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CLEAR", "INTEGRITY", "CONFIDENTIALITY"})
    void relaysOneMebibyteEachWayByteExactAtEveryLevel(String name) throws Exception {
        Socks5GssapiProtectionLevel level = switch (name) {
            case "CLEAR" -> Socks5GssapiProtectionLevel.CLEAR;
            case "INTEGRITY" -> Socks5GssapiProtectionLevel.INTEGRITY;
            default -> Socks5GssapiProtectionLevel.CONFIDENTIALITY;
        };
        ThreadLeaks before = ThreadLeaks.snapshot();
        byte[] sent = new byte[MIB];
        new Random(42).nextBytes(sent);
        try (SocksServer server = server(GssapiAcceptor.Level.values()).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            try (SocksConnection connection = SocksClient.open(proxy(server, client(level).build()),
                    target.address(), TIMEOUT_MILLIS)) {
                assertEquals(level, connection.gssapiProtection().level());
                OutputStream out = connection.outputStream();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        // Uneven writes: chunks and wrap size limit never line up with them.
                        for (int off = 0; off < sent.length; ) {
                            int n = Math.min(sent.length - off, 1 + (off % 100_003));
                            out.write(sent, off, n);
                            off += n;
                        }
                        out.flush();
                        connection.socket().shutdownOutput();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                byte[] received = connection.inputStream().readAllBytes();
                writer.get(60, TimeUnit.SECONDS);
                assertArrayEquals(sent, received, "1 MiB echoed byte-exact at " + level);
            }
            SessionRecord r = onlyRecord(server);
            assertEquals(kdc.userPrincipal(), r.principal(), r.toString());
            assertEquals(level, r.gssapiLevel(), r.toString());
            assertEquals(MIB, r.bytesFromClient(), r.toString());
            assertEquals(MIB, r.bytesToClient(), r.toString());
            assertNull(r.failure(), r.toString());
            assertTrue(r.toString().contains("principal=" + kdc.userPrincipal() + " gssapi="
                    + name.toLowerCase(java.util.Locale.ROOT)), r.toString());
        }
        before.assertNoNewThreads(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void udpAssociateWrapsEveryDatagramEachWay(boolean confidential) throws Exception {
        Socks5GssapiProtectionLevel level = confidential ? Socks5GssapiProtectionLevel.CONFIDENTIALITY
                : Socks5GssapiProtectionLevel.INTEGRITY;
        try (SocksServer server = server(GssapiAcceptor.Level.INTEGRITY, GssapiAcceptor.Level.CONFIDENTIALITY)
                        .start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                Socket control = new Socket(server.address().getAddress(), server.address().getPort());
                DatagramSocket udp = new DatagramSocket(0, Loopback.LOCALHOST)) {
            SocksClientHandshake handshake = SocksClientHandshake.udpAssociate(proxy(server, client(level).build()),
                    new InetSocketAddress(Loopback.LOCALHOST, udp.getLocalPort()));
            SocksHandshake.run(handshake, control.getInputStream(), control.getOutputStream(), control::setSoTimeout,
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS));
            GssapiProtection protection = handshake.gssapiProtection();
            assertEquals(level, protection.level());
            InetSocketAddress relay = handshake.boundAddress();
            udp.setSoTimeout(TIMEOUT_MILLIS);
            for (int i = 0; i < 3; i++) {
                byte[] payload = ("datagram " + i + " through GSS-API").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                Socks5UdpHeader header = Socks5UdpHeader.of(SocksAddress.ofIp(target.address().getAddress(),
                        target.address().getPort()));
                ByteBuffer plain = ByteBuffer.allocate(header.encodedLength() + payload.length);
                header.encode(plain);
                plain.put(payload);
                byte[] wrapped = protection.wrapDatagram(plain.array());
                udp.send(new DatagramPacket(wrapped, wrapped.length, relay));
                DatagramPacket reply = new DatagramPacket(new byte[65_535], 65_535);
                udp.receive(reply);
                byte[] unwrapped = protection.unwrapDatagram(ByteBuffer.wrap(reply.getData(), 0, reply.getLength()));
                UdpAssociation.Datagram d = UdpAssociation.unwrap(unwrapped, 0, unwrapped.length);
                assertEquals(target.address(), d.source());
                assertArrayEquals(payload, d.payload());
            }
            // A datagram that is not an MTYP 3 message (the bare SOCKS header) is dropped, not relayed.
            Socks5UdpHeader header = Socks5UdpHeader.of(SocksAddress.ofIp(target.address().getAddress(),
                    target.address().getPort()));
            ByteBuffer bare = ByteBuffer.allocate(header.encodedLength() + 4);
            header.encode(bare);
            bare.put(new byte[] {1, 2, 3, 4});
            udp.send(new DatagramPacket(bare.array(), bare.capacity(), relay));
            Thread.sleep(200);
            control.close();
            SessionRecord r = onlyRecord(server);
            assertEquals(Socks5CommandType.UDP_ASSOCIATE, r.command(), r.toString());
            assertEquals(kdc.userPrincipal(), r.principal(), r.toString());
            assertEquals(3, r.datagramsFromClient(), r.toString());
            assertEquals(3, r.datagramsToClient(), r.toString());
        }
    }

    @Test
    void aPrincipalRuleAllowsItsRealmAndDeniesOthers() throws Exception {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            try (SocksServer server = server(GssapiAcceptor.Level.INTEGRITY).allowPrincipals("*@" + Kdc.REALM)
                    .start();
                    SocksConnection c = SocksClient.open(proxy(server, client(Socks5GssapiProtectionLevel.INTEGRITY)
                            .build()), target.address(), TIMEOUT_MILLIS)) {
                c.outputStream().write(7);
                c.outputStream().flush();
                assertEquals(7, c.inputStream().read());
            }
            try (SocksServer server = server(GssapiAcceptor.Level.INTEGRITY).allowPrincipals("alice@" + Kdc.REALM)
                    .start()) {
                SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                        proxy(server, client(Socks5GssapiProtectionLevel.INTEGRITY).build()), target.address(),
                        TIMEOUT_MILLIS));
                assertEquals(SocksConnectException.Reason.NOT_ALLOWED, e.reason(), e.getMessage());
                SessionRecord r = onlyRecord(server);
                assertEquals(2, r.reply(), r.toString());
                assertTrue(r.failure().contains("principal " + kdc.userPrincipal() + " not allowed by the rules"),
                        r.toString());
            }
        }
    }

    @Test
    void aLevelTheServerDoesNotAllowFailsWithTheClientsClearException() throws Exception {
        try (SocksServer server = server(GssapiAcceptor.Level.INTEGRITY).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(server, client(Socks5GssapiProtectionLevel.CONFIDENTIALITY).build()), target.address(),
                    TIMEOUT_MILLIS));
            assertEquals(SocksConnectException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("the proxy chose INTEGRITY(0x01) where CONFIDENTIALITY(0x02) was "
                    + "asked for"), e.getMessage());
            SessionRecord r = onlyRecord(server);
            assertTrue(r.failure().contains("asked for level CONFIDENTIALITY(0x02), not allowed"), r.toString());
        }
    }

    @Test
    void clearIsRefusedByDefaultAndAnsweredWithIntegrity() throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                        .gssapi(kdc.serverKeytab(), null).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                SocksConnection c = SocksClient.open(proxy(server, client(Socks5GssapiProtectionLevel.CLEAR)
                        .build()), target.address(), TIMEOUT_MILLIS)) {
            assertEquals(Socks5GssapiProtectionLevel.INTEGRITY, c.gssapiProtection().level());
        }
    }

    @Test
    void necsUnwrappedLevelOctetOnlyWhenAllowed() throws Exception {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                    .gssapi(GssapiAcceptor.builder(kdc.serverKeytab()).nec(true).build()).start();
                    SocksConnection c = SocksClient.open(proxy(server, client(
                            Socks5GssapiProtectionLevel.CONFIDENTIALITY).nec(true).build()), target.address(),
                            TIMEOUT_MILLIS)) {
                assertEquals(Socks5GssapiProtectionLevel.CONFIDENTIALITY, c.gssapiProtection().level());
                c.outputStream().write(new byte[] {1, 2, 3});
                c.outputStream().flush();
                assertArrayEquals(new byte[] {1, 2, 3}, c.inputStream().readNBytes(3));
            }
            try (SocksServer server = server(GssapiAcceptor.Level.INTEGRITY).start()) {
                SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                        proxy(server, client(Socks5GssapiProtectionLevel.INTEGRITY).nec(true).build()),
                        target.address(), TIMEOUT_MILLIS));
                assertEquals(SocksConnectException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
                SessionRecord r = onlyRecord(server);
                assertTrue(r.failure().contains("unwrapped (NEC), which this server does not accept"), r.toString());
            }
        }
    }

    @Test
    void aClientWithoutTicketNamesTheMissingTicketCache() throws Exception {
        Path none = kdc.krb5Conf().resolveSibling("no-such-ccache");
        try (SocksServer server = server(GssapiAcceptor.Level.INTEGRITY).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(server, GssapiOptions.builder().ticketCache(none).principal(kdc.userPrincipal())
                            .refreshKrb5Config(true).build()), target.address(), TIMEOUT_MILLIS));
            assertEquals(SocksConnectException.Reason.INVALID_CREDENTIALS, e.reason(), e.getMessage());
            SessionRecord r = onlyRecord(server);
            assertNull(r.principal(), r.toString());
            assertTrue(r.failure().contains("during the handshake"), r.toString());
        }
    }

    @Test
    void aClientWithoutGssapiGetsNoAcceptableMethod() throws Exception {
        try (SocksServer server = server(GssapiAcceptor.Level.INTEGRITY).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    SocksProxy.of(SocksVersion.SOCKS5, server.address()), target.address(), TIMEOUT_MILLIS));
            assertEquals(SocksConnectException.Reason.NO_ACCEPTABLE_METHOD, e.reason(), e.getMessage());
        }
    }

    @Test
    void aServerRestrictedToThePrincipalTheClientAsksForAccepts() throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                        .gssapi(kdc.serverKeytab(), Kdc.SERVICE + "/127.0.0.1@" + Kdc.REALM).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            try (SocksConnection c = SocksClient.open(proxy(server, client(Socks5GssapiProtectionLevel.INTEGRITY)
                    .build()), target.address(), TIMEOUT_MILLIS)) {
                assertEquals(Socks5GssapiProtectionLevel.INTEGRITY, c.gssapiProtection().level());
            }
            assertEquals(kdc.userPrincipal(), onlyRecord(server).principal());
        }
    }

    @Test
    void aServerWithAnotherPrincipalsKeyAbortsAndRecordsWhy() throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                        .gssapi(kdc.serverKeytab(), Kdc.SERVICE + "/localhost@" + Kdc.REALM).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            // The client asks for rcmd/127.0.0.1; the server accepts only rcmd/localhost's key.
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(server, client(Socks5GssapiProtectionLevel.INTEGRITY).build()), target.address(),
                    TIMEOUT_MILLIS));
            assertEquals(SocksConnectException.Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("abort"), e.getMessage());
            SessionRecord r = onlyRecord(server);
            assertTrue(r.failure().contains("GSS-API context establishment failed: "), r.toString());
            assertTrue(!r.failure().contains("keytab"), "a context failure, not a login failure: " + r);
        }
    }
}
