package io.socksify.it.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Kdc;
import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks5GssapiEncapsulation;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.security.auth.Subject;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.Oid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GssapiProtection} between a real Kerberos initiator and acceptor context (JGSS, keys from a loopback KDC),
 * in one JVM with no proxy: TCP chunking to the wrap size limit and reassembly from any split, one token per
 * datagram, and tokens that must not verify.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GssapiProtectionIT {
    private static final String KRB5 = "1.2.840.113554.1.2.2";
    private static Kdc kdc;
    private static GSSContext initiator;
    private static GSSContext acceptor;

    private static Subject client;
    private static Subject server;

    @BeforeAll
    static void login() throws Exception {
        kdc = Kdc.start();
        System.setProperty("java.security.krb5.conf", kdc.krb5Conf().toString());
        client = login(kdc.userPrincipal(), kdc.userKeytab(), true);
        server = login(Kdc.SERVICE + "/127.0.0.1@" + Kdc.REALM, kdc.serverKeytab(), false);
    }

    /** A fresh context pair per test: sequence numbers start again (a test may leave a token unread). */
    @BeforeEach
    void establish() throws Exception {
        GSSManager manager = GSSManager.getInstance();
        Oid krb5 = new Oid(KRB5);
        initiator = as(client, () -> manager.createContext(manager.createName(Kdc.SERVICE + "@127.0.0.1",
                org.ietf.jgss.GSSName.NT_HOSTBASED_SERVICE), krb5, manager.createCredential(null,
                GSSCredential.DEFAULT_LIFETIME, krb5, GSSCredential.INITIATE_ONLY), GSSContext.DEFAULT_LIFETIME));
        initiator.requestMutualAuth(true);
        initiator.requestConf(true);
        initiator.requestSequenceDet(true);
        initiator.requestReplayDet(true);
        acceptor = as(server, () -> manager.createContext(manager.createCredential(null,
                GSSCredential.INDEFINITE_LIFETIME, krb5, GSSCredential.ACCEPT_ONLY)));
        byte[] token = new byte[0];
        while (!initiator.isEstablished()) {
            byte[] in = token;
            token = as(client, () -> initiator.initSecContext(in, 0, in.length));
            if (token != null && token.length > 0) {
                byte[] request = token;
                token = as(server, () -> acceptor.acceptSecContext(request, 0, request.length));
            }
            if (token == null) {
                token = new byte[0];
            }
        }
        assertTrue(acceptor.isEstablished());
    }

    @AfterEach
    void dispose() throws Exception {
        if (initiator != null) {
            initiator.dispose();
            acceptor.dispose();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (kdc != null) {
            kdc.close();
        }
        System.clearProperty("java.security.krb5.conf");
    }

    @Test
    void aReplayedOrReorderedTokenIsRefusedOnTcpAndAReplayedDatagramOnUdp() throws Exception {
        // JGSS flags these in MessageProp only; GssapiProtection refuses them.
        GssapiProtection send = GssapiProtection.of(initiator, Socks5GssapiProtectionLevel.INTEGRITY);
        GssapiProtection receive = GssapiProtection.of(acceptor, Socks5GssapiProtectionLevel.INTEGRITY);
        io.socksify.protocol.wire.Socks5GssapiEncapsulation first = send.wrap(new byte[] {1}, 0, 1);
        assertArrayEquals(new byte[] {1}, receive.unwrap(first));
        SocksProtocolException replay = assertThrows(SocksProtocolException.class, () -> receive.unwrap(first));
        assertTrue(replay.getMessage().contains("out of sequence (duplicate"), replay.getMessage());
        send.wrap(new byte[] {2}, 0, 1); // never delivered
        io.socksify.protocol.wire.Socks5GssapiEncapsulation third = send.wrap(new byte[] {3}, 0, 1);
        SocksProtocolException gap = assertThrows(SocksProtocolException.class, () -> receive.unwrap(third));
        assertTrue(gap.getMessage().contains("gap"), gap.getMessage());

        byte[] datagram = send.wrapDatagram(new byte[] {4});
        send.wrapDatagram(new byte[] {5}); // lost: a gap is what datagrams do
        byte[] after = send.wrapDatagram(new byte[] {6});
        assertArrayEquals(new byte[] {6}, receive.unwrapDatagram(ByteBuffer.wrap(after)));
        assertThrows(SocksProtocolException.class, () -> receive.unwrapDatagram(ByteBuffer.wrap(after)),
                "a replayed datagram");
        assertArrayEquals(new byte[] {4}, receive.unwrapDatagram(ByteBuffer.wrap(datagram)),
                "a late datagram within the window is accepted");
    }

    private static Subject login(String principal, Path keytab, boolean initiate) throws Exception {
        Map<String, String> options = Map.of("useKeyTab", "true", "keyTab", keytab.toString(), "principal",
                principal, "storeKey", "true", "doNotPrompt", "true", "isInitiator", String.valueOf(initiate),
                "refreshKrb5Config", "true");
        Configuration own = new Configuration() {
            @Override
            public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
                return new AppConfigurationEntry[] {new AppConfigurationEntry(
                        "com.sun.security.auth.module.Krb5LoginModule",
                        AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, options)};
            }
        };
        Subject subject = new Subject();
        new LoginContext("it", subject, null, own).login();
        return subject;
    }

    private static <T> T as(Subject subject, PrivilegedExceptionAction<T> action) throws Exception {
        return Subject.doAs(subject, action);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aStreamIsChunkedToTheWrapSizeLimitAndReassembledFromAnySplit(int code) throws Exception {
        Socks5GssapiProtectionLevel level = Socks5GssapiProtectionLevel.valueOf(code);
        GssapiProtection send = GssapiProtection.of(initiator, level);
        GssapiProtection receive = GssapiProtection.of(acceptor, level);
        assertTrue(send.maxChunk() > 60_000 && send.maxChunk() < 65_535, "maxChunk " + send.maxChunk());
        byte[] data = new byte[3 * send.maxChunk() + 17];
        new Random(code).nextBytes(data);

        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try (OutputStream out = send.outputStream(wire)) {
            out.write(data);
            out.write(42);
        }
        // Four full chunks and a one-octet one: each an MTYP 3 message whose token fits LEN.
        ByteBuffer frames = ByteBuffer.wrap(wire.toByteArray());
        int messages = 0;
        while (frames.hasRemaining()) {
            Socks5GssapiMessage m = Socks5GssapiMessage.decode(frames, Socks5GssapiMessage.MTYP_ENCAPSULATION);
            assertTrue(((Socks5GssapiEncapsulation) m).length() <= 65_535);
            messages++;
        }
        assertEquals(5, messages);

        InputStream oneOctetAtATime = new FilterInputStream(new ByteArrayInputStream(wire.toByteArray())) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(1, len));
            }
        };
        byte[] back = receive.inputStream(oneOctetAtATime).readAllBytes();
        byte[] expected = java.util.Arrays.copyOf(data, data.length + 1);
        expected[data.length] = 42;
        assertArrayEquals(expected, back);
    }

    @Test
    void oneDatagramIsOneToken() throws Exception {
        GssapiProtection send = GssapiProtection.of(initiator, Socks5GssapiProtectionLevel.CONFIDENTIALITY);
        GssapiProtection receive = GssapiProtection.of(acceptor, Socks5GssapiProtectionLevel.CONFIDENTIALITY);
        byte[] payload = "a DNS query, say".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] datagram = send.wrapDatagram(payload);
        assertEquals(Socks5GssapiMessage.MTYP_ENCAPSULATION, datagram[1]);
        assertEquals(datagram.length - 4, ((datagram[2] & 0xFF) << 8) | (datagram[3] & 0xFF));
        assertArrayEquals(payload, receive.unwrapDatagram(ByteBuffer.wrap(datagram)));
        // Plain bytes must not be visible at confidentiality.
        assertEquals(-1, new String(datagram, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("DNS query"));
        assertThrows(IllegalArgumentException.class, () -> send.wrapDatagram(new byte[send.maxChunk() + 1]));
    }

    @Test
    void aTamperedTokenAndAnIntegrityTokenAtConfidentialityAreRefused() throws Exception {
        GssapiProtection integrity = GssapiProtection.of(initiator, Socks5GssapiProtectionLevel.INTEGRITY);
        GssapiProtection strict = GssapiProtection.of(acceptor, Socks5GssapiProtectionLevel.CONFIDENTIALITY);
        SocksProtocolException clear = assertThrows(SocksProtocolException.class,
                () -> strict.unwrapDatagram(ByteBuffer.wrap(integrity.wrapDatagram(new byte[] {1, 2, 3}))));
        assertTrue(clear.getMessage().contains("without confidentiality"), clear.getMessage());

        GssapiProtection send = GssapiProtection.of(initiator, Socks5GssapiProtectionLevel.CONFIDENTIALITY);
        byte[] datagram = send.wrapDatagram(new byte[] {1, 2, 3});
        datagram[datagram.length - 1] ^= 1;
        SocksProtocolException tampered = assertThrows(SocksProtocolException.class,
                () -> strict.unwrapDatagram(ByteBuffer.wrap(datagram)));
        assertTrue(tampered.getMessage().contains("does not unwrap"), tampered.getMessage());
    }

    @Test
    void aStreamEndingInsideAMessageOrAnAbortIsAnError() throws Exception {
        GssapiProtection send = GssapiProtection.of(initiator, Socks5GssapiProtectionLevel.INTEGRITY);
        GssapiProtection receive = GssapiProtection.of(acceptor, Socks5GssapiProtectionLevel.INTEGRITY);
        byte[] message = send.wrap(new byte[] {9}, 0, 1).toBytes();
        byte[] cut = java.util.Arrays.copyOf(message, message.length - 1);
        assertThrows(EOFException.class, () -> receive.inputStream(new ByteArrayInputStream(cut)).read());
        SocksProtocolException abort = assertThrows(SocksProtocolException.class,
                () -> receive.inputStream(new ByteArrayInputStream(new byte[] {1, (byte) 0xFF})).read());
        assertTrue(abort.getMessage().contains("abort"), abort.getMessage());
    }

    @Test
    void clearPassesTheStreamsThrough() throws Exception {
        GssapiProtection clear = GssapiProtection.of(initiator, Socks5GssapiProtectionLevel.CLEAR);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        assertSame(raw, clear.outputStream(raw));
        assertEquals(0, clear.maxChunk());
    }
}
