package io.socksify.protocol.server;

import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksVersion;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * What {@link SocksServer} did for one client connection, recorded when the session ended.
 *
 * @param client            the client's address and port
 * @param version           the SOCKS version the client spoke; null if it never sent a valid first byte
 * @param command           the requested command ({@code CONNECT}, {@code BIND}, {@code UDP_ASSOCIATE}; SOCKS4 uses
 *                          the same codes); null if no request was read
 * @param destination       the destination as requested ({@code DST}): a host name stays a name; null if no request
 * @param user              the authenticated user name (SOCKS5) or the {@code USERID} (SOCKS4); null if none
 * @param reply             the code of the last reply sent: a SOCKS5 {@code REP} (0 = succeeded) or a SOCKS4
 *                          {@code CD} (90 = granted); -1 if no reply to a request was sent
 * @param failure           why the session failed or ended abnormally, in words; null for a clean end
 * @param bytesFromClient   application bytes the client sent and the server relayed (TCP, or UDP payload)
 * @param bytesToClient     application bytes relayed to the client (TCP, or UDP payload)
 * @param datagramsFromClient UDP datagrams relayed from the client to destinations
 * @param datagramsToClient UDP datagrams relayed from destinations to the client
 * @param start             when the connection was accepted
 * @param end               when the session ended
 * @param authDelayMillis   how long the server held this client's RFC 1929 request back before checking it because
 *                          its address had failed to authenticate before (throttling); 0 if not at all
 * @param principal         the client's GSS-API (Kerberos) principal, once authenticated; null without GSS-API
 * @param gssapiLevel       the GSS-API protection level agreed to (RFC 1961); null without GSS-API
 */
public record SessionRecord(InetSocketAddress client, SocksVersion version, Socks5CommandType command,
        SocksAddress destination, String user, int reply, String failure, long bytesFromClient, long bytesToClient,
        long datagramsFromClient, long datagramsToClient, Instant start, Instant end, long authDelayMillis,
        String principal, Socks5GssapiProtectionLevel gssapiLevel) {

    /** A record of a session without GSS-API. */
    public SessionRecord(InetSocketAddress client, SocksVersion version, Socks5CommandType command,
            SocksAddress destination, String user, int reply, String failure, long bytesFromClient,
            long bytesToClient, long datagramsFromClient, long datagramsToClient, Instant start, Instant end,
            long authDelayMillis) {
        this(client, version, command, destination, user, reply, failure, bytesFromClient, bytesToClient,
                datagramsFromClient, datagramsToClient, start, end, authDelayMillis, null, null);
    }

    /** A record of a session whose authentication was not held back. */
    public SessionRecord(InetSocketAddress client, SocksVersion version, Socks5CommandType command,
            SocksAddress destination, String user, int reply, String failure, long bytesFromClient,
            long bytesToClient, long datagramsFromClient, long datagramsToClient, Instant start, Instant end) {
        this(client, version, command, destination, user, reply, failure, bytesFromClient, bytesToClient,
                datagramsFromClient, datagramsToClient, start, end, 0);
    }

    /** @return whether the last reply sent was a success ({@code REP} 0 or {@code CD} 90) */
    public boolean succeeded() {
        return version == SocksVersion.SOCKS5 ? reply == 0 : reply == 90;
    }

    public Duration duration() {
        return Duration.between(start, end);
    }

    /**
     * @return one log line; it names the user but never holds a password. Whatever the client chose (the user name
     *         or {@code USERID}, a domain name) is rendered by {@link Printable#field}, the failure by
     *         {@link Printable#escape}: a client cannot add a line or a field. The components keep the raw values.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(client.getAddress() == null ? client.getHostString() : client.getAddress().getHostAddress())
                .append(':').append(client.getPort());
        s.append(' ').append(version == null ? "-" : version.name());
        s.append(' ').append(command == null ? "-" : command.name());
        s.append(' ').append(destination == null ? "-" : destination.toString());
        if (principal != null) {
            s.append(" principal=").append(Printable.field(principal));
        } else if (user != null && !user.isEmpty()) {
            s.append(" user=").append(Printable.field(user));
        }
        if (gssapiLevel != null) {
            s.append(" gssapi=").append(gssapiLevel.name().toLowerCase(java.util.Locale.ROOT));
        }
        s.append(" reply=").append(reply < 0 ? "-" : replyName());
        s.append(" up=").append(bytesFromClient).append(" down=").append(bytesToClient);
        if (datagramsFromClient > 0 || datagramsToClient > 0) {
            s.append(" datagrams-up=").append(datagramsFromClient).append(" datagrams-down=").append(datagramsToClient);
        }
        s.append(" ms=").append(duration().toMillis());
        if (authDelayMillis > 0) {
            s.append(" auth-delay-ms=").append(authDelayMillis);
        }
        if (failure != null) {
            s.append(" failure=\"").append(Printable.escape(failure)).append('"');
        }
        return s.toString();
    }

    private String replyName() {
        if (version == SocksVersion.SOCKS5) {
            return io.socksify.protocol.wire.Socks5CommandStatus.valueOf(reply).toString();
        }
        return io.socksify.protocol.wire.Socks4CommandStatus.valueOf(reply).toString();
    }
}
