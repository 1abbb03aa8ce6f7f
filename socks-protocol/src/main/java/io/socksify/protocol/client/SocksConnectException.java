package io.socksify.protocol.client;

import io.socksify.protocol.wire.SocksVersion;

import java.net.ConnectException;
import java.util.Objects;

/**
 * The proxy answered, and what it answered means the connection cannot be made. It carries the proxy's version, the
 * raw reply code and a {@link Reason} that says in words what happened.
 *
 * <p>Every failure of a client handshake becomes one of the exceptions Java programs already handle. This table is
 * the whole mapping (the README copies it); {@code SocksFailures} implements it in one place. Every message names the
 * proxy (password masked) and the destination, for example
 * {@code socks5://alice:****@127.0.0.1:1080 => example.com:443: connection refused by the destination (SOCKS5 REP
 * 0x05 CONNECTION_REFUSED)}.
 *
 * <table>
 * <caption>How proxy answers become exceptions</caption>
 * <tr><th>What the proxy did</th><th>SOCKS5 (RFC 1928, 1929)</th><th>SOCKS4 / 4a</th><th>Exception</th>
 *     <th>{@link Reason}</th></tr>
 * <tr><td>connection refused by the destination</td><td>{@code REP} 0x05</td><td>{@code CD} 91 (rejected or
 *     failed)</td><td>{@code SocksConnectException}</td><td>{@code CONNECTION_REFUSED}</td></tr>
 * <tr><td>network unreachable</td><td>{@code REP} 0x03</td><td>-</td>
 *     <td>{@link java.net.NoRouteToHostException}</td><td>-</td></tr>
 * <tr><td>host unreachable, destination is an IP address</td><td>{@code REP} 0x04</td><td>-</td>
 *     <td>{@link java.net.NoRouteToHostException}</td><td>-</td></tr>
 * <tr><td>host unreachable or general failure, destination is a host name: no code means "cannot resolve", and
 *     servers use these two for it (Tor, go-socks5 and socksify's server 0x04; microsocks 0x01)</td>
 *     <td>{@code REP} 0x04, 0x01</td><td>-</td><td>{@link java.net.UnknownHostException}</td><td>-</td></tr>
 * <tr><td>general failure, destination is an IP address</td><td>{@code REP} 0x01</td><td>-</td>
 *     <td>{@code SocksConnectException}</td><td>{@code GENERAL_FAILURE}</td></tr>
 * <tr><td>not allowed by the proxy's ruleset</td><td>{@code REP} 0x02</td><td>-</td>
 *     <td>{@code SocksConnectException}</td><td>{@code NOT_ALLOWED}</td></tr>
 * <tr><td>TTL expired</td><td>{@code REP} 0x06</td><td>-</td><td>{@code SocksConnectException}</td>
 *     <td>{@code TTL_EXPIRED}</td></tr>
 * <tr><td>command not supported (e.g. UDP ASSOCIATE through microsocks)</td><td>{@code REP} 0x07</td><td>-</td>
 *     <td>{@code SocksConnectException}</td><td>{@code COMMAND_NOT_SUPPORTED}</td></tr>
 * <tr><td>address type not supported</td><td>{@code REP} 0x08</td><td>-</td>
 *     <td>{@code SocksConnectException}</td><td>{@code ADDRESS_TYPE_NOT_SUPPORTED}</td></tr>
 * <tr><td>unassigned reply code (never success)</td><td>{@code REP} 0x09..0xFF</td><td>{@code CD} other than
 *     90..93</td><td>{@code SocksConnectException}</td><td>{@code UNASSIGNED}</td></tr>
 * <tr><td>no acceptable authentication method</td><td>{@code METHOD} 0xFF</td><td>-</td>
 *     <td>{@code SocksConnectException}</td><td>{@code NO_ACCEPTABLE_METHOD}</td></tr>
 * <tr><td>authentication refused</td><td>RFC 1929 {@code STATUS} != 0 ({@code VER} 1 or 5)</td><td>{@code CD}
 *     92, 93 (identd)</td><td>{@code SocksConnectException}</td><td>{@code AUTHENTICATION_FAILED}</td></tr>
 * <tr><td>(found before sending) the version cannot carry the destination: IPv6 with SOCKS4/4a, a host name with
 *     SOCKS4, UDP with SOCKS4</td><td>-</td><td>-</td><td>{@code SocksConnectException}, reply code -1</td>
 *     <td>{@code ADDRESS_TYPE_NOT_SUPPORTED}, {@code COMMAND_NOT_SUPPORTED}</td></tr>
 * <tr><td>(found before sending) username or password longer than 255 octets, empty SOCKS5 username</td>
 *     <td>-</td><td>-</td><td>{@code SocksConnectException}, reply code -1</td>
 *     <td>{@code INVALID_CREDENTIALS}</td></tr>
 * <tr><td>(found before sending a token) GSS-API (RFC 1961): no Kerberos credentials: no keytab, no ticket cache,
 *     an expired ticket</td><td>-</td><td>-</td><td>{@code SocksConnectException}, reply code -1, the message
 *     naming what is missing, the {@code LoginException} or {@code GSSException} as cause</td>
 *     <td>{@code INVALID_CREDENTIALS}</td></tr>
 * <tr><td>GSS-API: the proxy closed or aborted during context establishment ({@code MTYP} 1) or refused the
 *     protection level ({@code MTYP} 2), chose a weaker level, or a token did not verify</td><td>RFC 1961</td>
 *     <td>-</td><td>{@code SocksConnectException}, reply code -1, naming the step; a {@code GSSException} as cause
 *     with its major/minor message</td><td>{@code AUTHENTICATION_FAILED}</td></tr>
 * <tr><td>the handshake did not finish before its deadline</td><td colspan="2">any message</td>
 *     <td>{@link java.net.SocketTimeoutException}</td><td>-</td></tr>
 * <tr><td>malformed bytes: wrong version, non-zero reserved field, unknown address type, a method the client did
 *     not offer</td><td colspan="2">any message</td>
 *     <td>{@link io.socksify.protocol.wire.SocksProtocolException} naming the field, the byte and what was
 *     expected</td><td>-</td></tr>
 * <tr><td>the proxy closed the connection before its reply was complete</td><td colspan="2">any message</td>
 *     <td>{@link io.socksify.protocol.wire.SocksProtocolException} saying how many bytes of which message
 *     arrived</td><td>-</td></tr>
 * </table>
 *
 * <p><b>Note:</b> a proxy that answers success before it has reached the destination and then closes (OpenSSH's
 * {@code ssh -D} does) cannot be told apart during the handshake: the handshake succeeds and the application reads
 * end of stream. A close before the reply is complete is always an error, never success.
 */
public class SocksConnectException extends ConnectException {
    private static final long serialVersionUID = 1L;

    /** What happened, in words. */
    public enum Reason {
        GENERAL_FAILURE("general SOCKS server failure"),
        NOT_ALLOWED("connection not allowed by the proxy's ruleset"),
        CONNECTION_REFUSED("connection refused by the destination"),
        TTL_EXPIRED("TTL expired"),
        COMMAND_NOT_SUPPORTED("command not supported by the proxy"),
        ADDRESS_TYPE_NOT_SUPPORTED("address type not supported"),
        UNASSIGNED("unassigned reply code (a failure)"),
        NO_ACCEPTABLE_METHOD("the proxy accepts none of the offered authentication methods"),
        AUTHENTICATION_FAILED("authentication refused by the proxy"),
        INVALID_CREDENTIALS("the credentials cannot be sent"),
        GSSAPI_REQUIRED("the proxy selected a method without the GSS-API protection the configuration requires");

        private final String description;

        Reason(String description) {
            this.description = description;
        }

        /** @return what happened, in words */
        public String description() {
            return description;
        }
    }

    private final SocksVersion version;
    private final int replyCode;
    private final Reason reason;

    /**
     * @param replyCode the raw code the proxy sent ({@code REP}, {@code CD}, {@code METHOD} or RFC 1929
     *                  {@code STATUS}), or -1 when the failure was found before anything was sent
     */
    public SocksConnectException(String message, SocksVersion version, int replyCode, Reason reason) {
        super(message);
        this.version = Objects.requireNonNull(version, "version");
        this.replyCode = replyCode;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public SocksVersion version() {
        return version;
    }

    /** @return the raw code the proxy answered with, or -1 if the failure was found before anything was sent */
    public int replyCode() {
        return replyCode;
    }

    public Reason reason() {
        return reason;
    }
}
