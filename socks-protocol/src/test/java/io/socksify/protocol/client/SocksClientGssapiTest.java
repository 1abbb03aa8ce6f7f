package io.socksify.protocol.client;

import static io.socksify.protocol.client.ScriptedSocksPeer.hex;
import static io.socksify.protocol.client.SocksClientHandshakeTest.EXAMPLE_COM;
import static io.socksify.protocol.client.SocksClientHandshakeTest.SOCKS5;
import static io.socksify.protocol.client.SocksClientHandshakeTest.drive;
import static io.socksify.protocol.client.SocksClientHandshakeTest.norm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.client.SocksClientHandshake.Status;
import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.IOException;
import java.nio.file.Path;
import javax.security.auth.login.LoginException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The GSS-API method (RFC 1961) in the client state machine, as far as it goes without a KDC: which methods are
 * offered, and the failures found before a token is sent. Context establishment, levels and encapsulation against a
 * real Kerberos and a real Dante are in integration-tests (GssapiDanteClientIT, GssapiProtectionIT).
 */
@Timeout(10)
class SocksClientGssapiTest {
    private static final GssapiOptions NO_SUCH_CACHE = GssapiOptions.builder()
            .ticketCache(Path.of("/nonexistent/socksify-test-ccache")).principal("user@EXAMPLE.TEST").build();

    @Test
    void offersGssapiBesideNoAuthAndPassword() throws IOException {
        SocksClientHandshake both = SocksClientHandshake.connect(
                SOCKS5.withCredentials("alice", "pw").withGssapi(NO_SUCH_CACHE), EXAMPLE_COM);
        assertEquals(norm("05 03 00 01 02"), hex(drive(both).sent()));
        SocksClientHandshake gssapi = SocksClientHandshake.connect(SOCKS5.withGssapi(NO_SUCH_CACHE), EXAMPLE_COM);
        assertEquals(norm("05 02 00 01"), hex(drive(gssapi).sent()));
    }

    @Test
    void gssapiSelectedWithoutOptionsIsAProtocolErrorNamingWhatIsMissing() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5, EXAMPLE_COM);
        SocksProtocolException e = assertThrows(SocksProtocolException.class, () -> drive(handshake, hex("05 01")));
        assertTrue(e.getMessage().contains("the proxy wants GSS-API (Kerberos), and no GssapiOptions are configured"),
                e.getMessage());
        assertEquals(Status.FAILED, handshake.status());
    }

    @Test
    void atIntegrityOrConfidentialityAProxySelectingAnotherMethodFailsBeforeTheRequest() throws IOException {
        // The method selection is not protected: one changed octet must not remove the protection.
        SocksClientHandshake noAuth = SocksClientHandshake.connect(SOCKS5.withGssapi(NO_SUCH_CACHE), EXAMPLE_COM);
        SocksConnectException e = assertThrows(SocksConnectException.class, () -> drive(noAuth, hex("05 00")));
        assertEquals(Reason.GSSAPI_REQUIRED, e.reason());
        assertEquals(0, e.replyCode());
        assertTrue(e.getMessage().startsWith("socks5://127.0.0.1:1080 => example.com:443: the proxy selected SOCKS5 "
                + "method " + Socks5AuthMethod.NO_AUTH + ", but GSS-API is configured at protection level "
                + Socks5GssapiProtectionLevel.INTEGRITY), e.getMessage());
        assertEquals(Status.FAILED, noAuth.status());

        GssapiOptions confidential = GssapiOptions.builder().ticketCache(Path.of("/nonexistent/socksify-test-ccache"))
                .level(Socks5GssapiProtectionLevel.CONFIDENTIALITY).build();
        SocksClientHandshake password = SocksClientHandshake.connect(
                SOCKS5.withCredentials("alice", "pw").withGssapi(confidential), EXAMPLE_COM);
        SocksConnectException p = assertThrows(SocksConnectException.class, () -> drive(password, hex("05 02")));
        assertEquals(Reason.GSSAPI_REQUIRED, p.reason());
        assertTrue(p.getMessage().contains(Socks5AuthMethod.PASSWORD + ", but GSS-API is configured at protection "
                + "level " + Socks5GssapiProtectionLevel.CONFIDENTIALITY), p.getMessage());
    }

    @Test
    void atLevelClearTheProxysChoiceStands() throws IOException {
        GssapiOptions clear = GssapiOptions.builder().ticketCache(Path.of("/nonexistent/socksify-test-ccache"))
                .level(Socks5GssapiProtectionLevel.CLEAR).build();
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5.withGssapi(clear), EXAMPLE_COM);
        byte[] sent = drive(handshake, hex("05 00")).sent();
        assertEquals(Socks5AuthMethod.NO_AUTH, handshake.selectedMethod());
        assertTrue(hex(sent).startsWith(norm("05 02 00 01 05 01 00 03")), hex(sent));
    }

    @Test
    void noTicketCacheIsInvalidCredentialsBeforeAnyTokenIsSent() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5.withGssapi(NO_SUCH_CACHE), EXAMPLE_COM);
        SocksConnectException e = assertThrows(SocksConnectException.class, () -> drive(handshake, hex("05 01")));
        assertEquals(Reason.INVALID_CREDENTIALS, e.reason());
        assertEquals(-1, e.replyCode());
        assertTrue(e.getMessage().startsWith("socks5://127.0.0.1:1080 => example.com:443: the credentials cannot be "
                + "sent: no usable Kerberos credentials for user@EXAMPLE.TEST: no ticket: the ticket cache "
                + "/nonexistent/socksify-test-ccache does not exist (kinit first)"), e.getMessage());
        assertInstanceOf(LoginException.class, e.getCause());
        assertEquals(Socks5AuthMethod.GSSAPI, handshake.selectedMethod());
        assertNull(handshake.gssapiProtection());
    }

    @Test
    void optionsRefusePerMessageAndTwoCredentialSources() {
        assertThrows(IllegalArgumentException.class,
                () -> GssapiOptions.builder().level(Socks5GssapiProtectionLevel.PER_MESSAGE));
        assertThrows(IllegalArgumentException.class, () -> GssapiOptions.builder().keytab(Path.of("k"))
                .ticketCache(Path.of("c")).build());
        GssapiOptions defaults = GssapiOptions.builder().build();
        assertEquals("rcmd", defaults.service());
        assertEquals(Socks5GssapiProtectionLevel.INTEGRITY, defaults.level());
    }
}
