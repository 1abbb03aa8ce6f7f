package io.socksify.protocol.client;

import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.wire.Socks4CommandStatus;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * The one place where proxy answers become exceptions; {@link SocksConnectException}'s Javadoc has the table.
 * {@code context} is always {@code "<proxy, password masked> => <destination>"}.
 */
final class SocksFailures {
    private SocksFailures() {
    }

    static IOException socks5Reply(String context, Socks5CommandStatus status, boolean hostNameDestination) {
        String words = "SOCKS5 REP " + status;
        return switch (status.code()) {
            // No REP means "cannot resolve": microsocks answers 1, Tor and most others 4.
            case 0x01 -> hostNameDestination
                    ? new UnknownHostException(context + ": the proxy cannot resolve the host name, or failed "
                            + "otherwise (" + words + ")")
                    : connect(context, SocksVersion.SOCKS5, status.code(), Reason.GENERAL_FAILURE, words);
            case 0x02 -> connect(context, SocksVersion.SOCKS5, status.code(), Reason.NOT_ALLOWED, words);
            case 0x03 -> new NoRouteToHostException(context + ": network unreachable from the proxy (" + words + ")");
            case 0x04 -> hostNameDestination
                    ? new UnknownHostException(context + ": the proxy cannot resolve or reach the host (" + words + ")")
                    : new NoRouteToHostException(context + ": host unreachable from the proxy (" + words + ")");
            case 0x05 -> connect(context, SocksVersion.SOCKS5, status.code(), Reason.CONNECTION_REFUSED, words);
            case 0x06 -> connect(context, SocksVersion.SOCKS5, status.code(), Reason.TTL_EXPIRED, words);
            case 0x07 -> connect(context, SocksVersion.SOCKS5, status.code(), Reason.COMMAND_NOT_SUPPORTED, words);
            case 0x08 -> connect(context, SocksVersion.SOCKS5, status.code(), Reason.ADDRESS_TYPE_NOT_SUPPORTED, words);
            default -> connect(context, SocksVersion.SOCKS5, status.code(), Reason.UNASSIGNED,
                    "SOCKS5 REP " + SocksProtocolException.hex(status.code()) + ", unassigned");
        };
    }

    static SocksConnectException socks4Reply(String context, SocksVersion version, Socks4CommandStatus status) {
        String words = "SOCKS4 CD " + status.code() + " " + status;
        return switch (status.code()) {
            case 0x5B -> new SocksConnectException(context + ": " + Reason.CONNECTION_REFUSED.description()
                    + " or not allowed (SOCKS4 cannot tell which) (" + words + ")", version, status.code(),
                    Reason.CONNECTION_REFUSED);
            case 0x5C, 0x5D -> new SocksConnectException(context + ": " + Reason.AUTHENTICATION_FAILED.description()
                    + ": " + status.describe() + " (" + words + ")", version, status.code(),
                    Reason.AUTHENTICATION_FAILED);
            default -> connect(context, version, status.code(), Reason.UNASSIGNED,
                    "SOCKS4 CD " + status.code() + ", unassigned");
        };
    }

    static SocksConnectException noAcceptableMethod(String context, boolean offeredPassword) {
        return noAcceptableMethod(context, offeredPassword, false);
    }

    static SocksConnectException noAcceptableMethod(String context, boolean offeredPassword, boolean offeredGssapi) {
        String offered = offeredGssapi || offeredPassword
                ? " (offered NO_AUTH" + (offeredGssapi ? (offeredPassword ? ", GSSAPI" : " and GSSAPI") : "")
                        + (offeredPassword ? " and PASSWORD" : "") + ")"
                : " (offered NO_AUTH only; does the proxy require a username and password, or GSS-API?)";
        return new SocksConnectException(context + ": " + Reason.NO_ACCEPTABLE_METHOD.description() + offered
                + " (SOCKS5 METHOD 0xFF)", SocksVersion.SOCKS5, 0xFF, Reason.NO_ACCEPTABLE_METHOD);
    }

    /**
     * A proxy configured with GSS-API at integrity or confidentiality selected another method: the method selection
     * is not protected (one changed octet would remove the protection), so the connection fails.
     */
    static SocksConnectException gssapiRequired(String context, io.socksify.protocol.wire.Socks5AuthMethod method,
            Object level) {
        return new SocksConnectException(context + ": the proxy selected SOCKS5 method " + method
                + ", but GSS-API is configured at protection level " + level
                + ", which requires it (the method selection is not protected; set the level to clear to accept "
                + "the proxy's choice)", SocksVersion.SOCKS5, method.code(), Reason.GSSAPI_REQUIRED);
    }

    static SocksConnectException authenticationFailed(String context, int status) {
        return new SocksConnectException(context + ": " + Reason.AUTHENTICATION_FAILED.description()
                + ": wrong username or password (RFC 1929 STATUS " + SocksProtocolException.hex(status) + ")",
                SocksVersion.SOCKS5, status, Reason.AUTHENTICATION_FAILED);
    }

    /** GSS-API (RFC 1961) credentials are missing or unusable, found before or while starting the method. */
    static SocksConnectException gssapiNoCredentials(String context, String detail, Throwable cause) {
        SocksConnectException e = new SocksConnectException(context + ": " + Reason.INVALID_CREDENTIALS.description()
                + ": " + detail, SocksVersion.SOCKS5, -1, Reason.INVALID_CREDENTIALS);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /** The GSS-API method failed: the proxy closed, aborted or refused a step, or a token did not verify. */
    static SocksConnectException gssapiRefused(String context, String detail, Throwable cause) {
        SocksConnectException e = new SocksConnectException(context + ": "
                + Reason.AUTHENTICATION_FAILED.description() + ": " + detail, SocksVersion.SOCKS5, -1,
                Reason.AUTHENTICATION_FAILED);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * The proxy agreed to a GSS-API level that wraps every byte, and the caller's data path cannot: fail closed
     * rather than hand out a connection that would send in the clear.
     */
    static java.net.SocketException unprotectedDataPath(String context, GssapiProtection protection, String use) {
        return new java.net.SocketException(context + ": the proxy agreed to GSS-API protection level "
                + protection.level() + " (RFC 1961: every byte in MTYP 3 messages), which this data path cannot "
                + "carry; " + use);
    }

    /** A failure found before anything was sent: the request cannot be expressed. */
    static SocksConnectException unsendable(String context, SocksVersion version, Reason reason, String detail) {
        return new SocksConnectException(context + ": " + reason.description() + ": " + detail, version, -1, reason);
    }

    static SocksProtocolException malformed(String context, SocksProtocolException e) {
        return new SocksProtocolException(context + ": " + e.getMessage(), e);
    }

    static SocksProtocolException endOfStream(String context, String message, int received, int needed) {
        if (received == 0) {
            return new SocksProtocolException(context + ": the proxy closed the connection instead of sending "
                    + message);
        }
        return new SocksProtocolException(context + ": the proxy closed the connection after " + received
                + " bytes of " + message + " (expected at least " + (received + needed) + ")");
    }

    static SocketTimeoutException timeout(String context, String message, long timeoutMillis) {
        return new SocketTimeoutException(context + ": SOCKS handshake timed out after " + timeoutMillis
                + " ms waiting for " + message);
    }

    private static SocksConnectException connect(String context, SocksVersion version, int code, Reason reason,
            String words) {
        return new SocksConnectException(context + ": " + reason.description() + " (" + words + ")", version, code,
                reason);
    }
}
