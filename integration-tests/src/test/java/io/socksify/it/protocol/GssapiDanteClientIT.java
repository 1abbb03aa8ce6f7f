package io.socksify.it.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.BrokenProxy;
import io.socksify.it.support.Dante;
import io.socksify.it.support.DanteGssapi;
import io.socksify.it.support.Kdc;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.ThreadLeaks;
import io.socksify.protocol.client.GssapiOptions;
import io.socksify.protocol.client.SocksClient;
import io.socksify.protocol.client.SocksConnectException;
import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.client.SocksConnection;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.security.auth.login.Configuration;
import org.ietf.jgss.GSSException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The socks-protocol client with the GSS-API method (RFC 1961, Kerberos through JGSS) against a real Dante built with
 * GSS-API and a real KDC on loopback: every protection level Dante offers, with a keytab and with a ticket cache, and
 * each refusal as a clear exception. The echo target accepts only Dante's outgoing 127.0.0.2.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GssapiDanteClientIT {
    private static final int TIMEOUT_MILLIS = 15_000;
    private static final int MIB = 1 << 20;
    private static Kdc kdc;

    @BeforeAll
    static void startKdc() {
        kdc = Kdc.start();
        // The JDK's Kerberos reads one krb5.conf per JVM; every login below also refreshes it (this KDC's port).
        System.setProperty("java.security.krb5.conf", kdc.krb5Conf().toString());
    }

    @AfterAll
    static void stopKdc() {
        if (kdc != null) {
            kdc.close();
        }
        System.clearProperty("java.security.krb5.conf");
    }

    static Stream<Arguments> levels() {
        return Stream.of(
                Arguments.of("clear", Socks5GssapiProtectionLevel.CLEAR, false),
                Arguments.of("integrity", Socks5GssapiProtectionLevel.INTEGRITY, false),
                Arguments.of("confidentiality", Socks5GssapiProtectionLevel.CONFIDENTIALITY, false),
                Arguments.of("clear", Socks5GssapiProtectionLevel.CLEAR, true),
                Arguments.of("integrity", Socks5GssapiProtectionLevel.INTEGRITY, true),
                Arguments.of("confidentiality", Socks5GssapiProtectionLevel.CONFIDENTIALITY, true));
    }

    private static GssapiOptions.Builder keytabLogin() {
        return GssapiOptions.builder().keytab(kdc.userKeytab()).principal(kdc.userPrincipal()).refreshKrb5Config(true);
    }

    private static GssapiOptions.Builder ticketCacheLogin(Path cache) {
        return GssapiOptions.builder().ticketCache(cache).principal(kdc.userPrincipal()).refreshKrb5Config(true);
    }

    private static SocksProxy proxy(Dante dante, GssapiOptions options) {
        return SocksProxy.of(SocksVersion.SOCKS5, dante.address()).withGssapi(options);
    }

    @ParameterizedTest(name = "enctype {0}, ticket cache {2}")
    @MethodSource("levels")
    void relaysOneMebibyteEachWayAtEveryLevel(String enctype, Socks5GssapiProtectionLevel level, boolean ticketCache)
            throws Exception {
        Configuration globalBefore = globalJaasConfiguration();
        String subjectCredsOnlyBefore = System.getProperty("javax.security.auth.useSubjectCredsOnly");
        GssapiOptions options = (ticketCache ? ticketCacheLogin(kdc.kinit(Duration.ofMinutes(30))) : keytabLogin())
                .level(level).build();
        try (Dante dante = DanteGssapi.builder(kdc, enctype).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress());
                SocksConnection connection = SocksClient.open(proxy(dante, options), target.address(),
                        TIMEOUT_MILLIS)) {
            assertNotNull(connection.gssapiProtection(), dante.describe());
            assertEquals(level, connection.gssapiProtection().level(), dante.describe());
            echoOneMebibyte(connection, dante);
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress(), dante.describe());
            target.assertNoRejected();
            assertTrue(dante.log().contains(Kdc.USER), "Dante logs the authenticated principal\n" + dante.log());
        }
        assertEquals(subjectCredsOnlyBefore, System.getProperty("javax.security.auth.useSubjectCredsOnly"));
        assertEquals(globalBefore, globalJaasConfiguration());
    }

    /** Writes 1 MiB from another thread while reading the echo, then compares byte for byte. */
    private static void echoOneMebibyte(SocksConnection connection, Dante dante) throws Exception {
        byte[] sent = new byte[MIB];
        new Random(1961).nextBytes(sent);
        connection.socket().setSoTimeout(30_000);
        OutputStream out = connection.outputStream();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int off = 0; off < sent.length; off += 100_000) {
                    out.write(sent, off, Math.min(100_000, sent.length - off));
                }
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        InputStream in = connection.inputStream();
        byte[] received = in.readNBytes(MIB);
        writer.get(60, TimeUnit.SECONDS);
        assertEquals(MIB, received.length, dante.describe());
        assertArrayEquals(sent, received, "1 MiB through Dante, byte-exact");
    }

    private static Configuration globalJaasConfiguration() {
        try {
            return Configuration.getConfiguration();
        } catch (SecurityException e) {
            return null; // no global configuration (no java.security.auth.login.config): stays so
        }
    }

    @Test
    void noTicketNamesTheMissingTicketCache() throws Exception {
        ThreadLeaks before = ThreadLeaks.snapshot();
        Path none = kdc.krb5Conf().resolveSibling("no-such-ccache");
        try (Dante dante = DanteGssapi.builder(kdc).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(dante, ticketCacheLogin(none).build()), target.address(), TIMEOUT_MILLIS));
            assertEquals(Reason.INVALID_CREDENTIALS, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("no ticket: the ticket cache " + none + " does not exist"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("no usable Kerberos credentials for " + kdc.userPrincipal()),
                    e.getMessage());
            assertInstanceOf(javax.security.auth.login.LoginException.class, e.getCause());
            assertEquals(0, target.acceptedSources().size());
        }
        before.assertNoNewThreads(Duration.ofSeconds(5));
    }

    @Test
    void expiredTicketIsNamed() throws Exception {
        ThreadLeaks before = ThreadLeaks.snapshot();
        Path cache = kdc.kinit(Duration.ofSeconds(1));
        Thread.sleep(2_500);
        try (Dante dante = DanteGssapi.builder(kdc).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(dante, ticketCacheLogin(cache).build()), target.address(), TIMEOUT_MILLIS));
            assertEquals(Reason.INVALID_CREDENTIALS, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("the ticket cache " + cache + " holds no current ticket for it "
                    + "(expired"), e.getMessage());
            assertEquals(0, target.acceptedSources().size());
        }
        before.assertNoNewThreads(Duration.ofSeconds(5));
    }

    @Test
    void aServicePrincipalTheProxyHasNoKeyForFailsInContextEstablishment() throws Exception {
        ThreadLeaks before = ThreadLeaks.snapshot();
        try (Dante dante = DanteGssapi.builder(kdc).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(dante, keytabLogin().service("other").build()), target.address(), TIMEOUT_MILLIS));
            assertEquals(Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("context establishment"), e.getMessage());
            assertTrue(e.getMessage().contains("other@127.0.0.1"), e.getMessage());
            assertEquals(0, target.acceptedSources().size());
        }
        before.assertNoNewThreads(Duration.ofSeconds(5));
    }

    @Test
    void aServicePrincipalTheKdcDoesNotKnowKeepsTheGssException() throws Exception {
        ThreadLeaks before = ThreadLeaks.snapshot();
        try (Dante dante = DanteGssapi.builder(kdc).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(dante, keytabLogin().service("nosuchservice").build()), target.address(),
                    TIMEOUT_MILLIS));
            assertEquals(Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
            GSSException cause = assertInstanceOf(GSSException.class, e.getCause(), e.getMessage());
            assertTrue(e.getMessage().contains(cause.getMessage()), e.getMessage());
            assertEquals(0, target.acceptedSources().size());
        }
        before.assertNoNewThreads(Duration.ofSeconds(5));
    }

    /** Negative control: the wrapping is real. Plain bytes on the socket at level integrity never reach the target. */
    @Test
    void plainBytesAtIntegrityAreNotRelayed() throws Exception {
        try (Dante dante = DanteGssapi.builder(kdc, "integrity").start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress());
                SocksConnection connection = SocksClient.open(proxy(dante, keytabLogin().build()), target.address(),
                        TIMEOUT_MILLIS)) {
            connection.socket().setSoTimeout(10_000);
            OutputStream raw = connection.socket().getOutputStream();
            raw.write("plain bytes, not an RFC 1961 message".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            raw.flush();
            int answer;
            try {
                answer = connection.socket().getInputStream().read();
            } catch (java.net.SocketException reset) {
                answer = -1;
            }
            assertEquals(-1, answer, "Dante must close a connection that sends unwrapped data\n" + dante.describe());
        }
    }

    @Test
    void aLevelTheProxyRefusesFailsInTheLevelStep() throws Exception {
        ThreadLeaks before = ThreadLeaks.snapshot();
        // Dante without an enctype line refuses clear.
        try (Dante dante = DanteGssapi.builder(kdc).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(
                    proxy(dante, keytabLogin().level(Socks5GssapiProtectionLevel.CLEAR).build()), target.address(),
                    TIMEOUT_MILLIS));
            assertEquals(Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("protection-level sub-negotiation"), e.getMessage());
            assertTrue(e.getMessage().contains("CLEAR"), e.getMessage());
            assertEquals(0, target.acceptedSources().size());
        }
        before.assertNoNewThreads(Duration.ofSeconds(5));
    }

    @Test
    void theProxyClosingMidContextIsAuthenticationFailed() throws Exception {
        ThreadLeaks before = ThreadLeaks.snapshot();
        try (BrokenProxy broken = BrokenProxy.closingMidGssapiContext()) {
            SocksProxy proxy = SocksProxy.of(SocksVersion.SOCKS5, new InetSocketAddress(Loopback.LOCALHOST,
                    broken.port())).withGssapi(keytabLogin().build());
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.open(proxy,
                    new InetSocketAddress(Loopback.LOCALHOST, 9), TIMEOUT_MILLIS));
            assertEquals(Reason.AUTHENTICATION_FAILED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("closed the connection during GSS-API context establishment"),
                    e.getMessage());
        }
        before.assertNoNewThreads(Duration.ofSeconds(5));
    }

    @Test
    void necCompatibilitySendsTheBareLevelOctet() throws Exception {
        try (Dante dante = DanteGssapi.builder(kdc, "integrity").necCompatibility().start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress());
                SocksConnection connection = SocksClient.open(proxy(dante, keytabLogin().nec(true).build()),
                        target.address(), TIMEOUT_MILLIS)) {
            assertEquals(Socks5GssapiProtectionLevel.INTEGRITY, connection.gssapiProtection().level());
            echoOneMebibyte(connection, dante);
            target.assertNoRejected();
        }
    }

    /**
     * RFC 1961 section 5 for UDP as Dante 1.4.2 relays it: each datagram, header and payload, is one MTYP 3 token, both
     * ways; the target accepts only Dante's outgoing address, so Dante unwrapped what it forwarded.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"integrity", "confidentiality"})
    void udpAssociationWrapsEachDatagramAsOneTokenThroughDante(String level) throws Exception {
        Socks5GssapiProtectionLevel expected = level.equals("integrity") ? Socks5GssapiProtectionLevel.INTEGRITY
                : Socks5GssapiProtectionLevel.CONFIDENTIALITY;
        try (Dante dante = DanteGssapi.builder(kdc, level).start();
                io.socksify.it.support.UdpEchoTarget target = io.socksify.it.support.UdpEchoTarget.acceptingOnly(
                        dante.externalAddress());
                java.net.DatagramSocket socket = new java.net.DatagramSocket(0, Loopback.LOCALHOST);
                io.socksify.protocol.client.UdpAssociation association = io.socksify.protocol.client.UdpAssociation
                        .open(proxy(dante, keytabLogin().level(expected).build()),
                                (InetSocketAddress) socket.getLocalSocketAddress(), TIMEOUT_MILLIS)) {
            assertEquals(expected, association.protection().level());
            socket.setSoTimeout(TIMEOUT_MILLIS);
            byte[] payload = ("a datagram at " + level).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] datagram = association.wrap(target.address(), payload, 0, payload.length);
            assertEquals(io.socksify.protocol.wire.Socks5GssapiMessage.MTYP_ENCAPSULATION, datagram[1]);
            // Integrity-only tokens (RFC 4121) carry the plain octets; confidentiality must hide them.
            int plain = indexOf(datagram, payload);
            assertTrue(expected.confidential() ? plain < 0 : plain > 0, "plain octets at " + plain);
            socket.send(new java.net.DatagramPacket(datagram, datagram.length, association.relayAddress()));
            java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[65_535], 65_535);
            socket.receive(in);
            assertTrue(association.isFromRelay(in.getSocketAddress()), in.getSocketAddress().toString());
            java.nio.ByteBuffer reply = java.nio.ByteBuffer.wrap(in.getData(), 0, in.getLength());
            assertEquals(target.address(), association.unwrapReceived(reply));
            byte[] echoed = new byte[reply.remaining()];
            reply.get(echoed);
            assertArrayEquals(payload, echoed);
            target.assertNoRejected();
        }
    }

    /** @return where {@code part} starts in {@code whole}, else -1 */
    private static int indexOf(byte[] whole, byte[] part) {
        for (int i = 0; i + part.length <= whole.length; i++) {
            if (java.util.Arrays.equals(whole, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void tcpDataPathsThatCannotWrapAreRefusedAtAnEncapsulatingLevel() throws Exception {
        ThreadLeaks before = ThreadLeaks.snapshot();
        try (Dante dante = DanteGssapi.builder(kdc, "integrity").start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            SocksProxy proxy = proxy(dante, keytabLogin().build());
            java.net.SocketException socket = assertThrows(java.net.SocketException.class,
                    () -> SocksClient.connect(proxy, target.address(), TIMEOUT_MILLIS));
            assertTrue(socket.getMessage().contains("level INTEGRITY(0x01)"), socket.getMessage());
            assertTrue(socket.getMessage().contains("use SocksClient.open"), socket.getMessage());
            java.net.SocketException bind = assertThrows(java.net.SocketException.class,
                    () -> SocksClient.bind(proxy, new InetSocketAddress(Loopback.LOCALHOST, 0), TIMEOUT_MILLIS));
            assertTrue(bind.getMessage().contains("BIND does not wrap"), bind.getMessage());
            // Refused after the level, before the request: Dante never connected to the target.
            assertEquals(0, target.acceptedSources().size(), dante.describe());
        }
        before.assertNoNewThreads(Duration.ofSeconds(5));
    }
}
