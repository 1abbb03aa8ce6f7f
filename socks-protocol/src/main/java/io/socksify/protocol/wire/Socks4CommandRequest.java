package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A SOCKS4 or SOCKS4a request.
 * <pre>
 * +----+----+---------+--------+-------------+------+----------------+------+
 * | VN | CD | DSTPORT | DSTIP  | USERID      | NULL | HOST (4a only) | NULL |
 * +----+----+---------+--------+-------------+------+----------------+------+
 * | 4  | 1  |    2    |   4    | variable    |  1   | variable       |  1   |
 * +----+----+---------+--------+-------------+------+----------------+------+
 * </pre>
 * SOCKS4a is signalled by {@code DSTIP = 0.0.0.x} with {@code x != 0}; the host name follows the user id. A
 * destination with a host name is encoded as SOCKS4a; IPv6 cannot be carried at all. User id and host name are
 * limited to 255 octets, so a peer cannot make a decoder read without end.
 */
public record Socks4CommandRequest(Socks4CommandType command, SocksAddress destination, String userId) {
    public static final int MAX_USER_ID_LENGTH = 255;
    private static final String CONTEXT = "SOCKS4 request";

    public Socks4CommandRequest {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(destination, "destination");
        userId = userId == null ? "" : userId;
        if (destination.type() == Socks5AddressType.IPV6) {
            throw new IllegalArgumentException("destination: " + destination
                    + " is IPv6 (expected: IPv4 or a host name; SOCKS4 and 4a cannot carry IPv6)");
        }
        if (userId.indexOf('\0') >= 0 || userId.getBytes(StandardCharsets.UTF_8).length > MAX_USER_ID_LENGTH) {
            throw new IllegalArgumentException("USERID: must have no NUL and at most 255 octets in UTF-8");
        }
    }

    /** @return whether this request uses the SOCKS4a extension (a host name for the proxy to resolve) */
    public boolean isSocks4a() {
        return destination.isDomain();
    }

    public int encodedLength() {
        int length = 8 + userId.getBytes(StandardCharsets.UTF_8).length + 1;
        return isSocks4a() ? length + destination.domain().length() + 1 : length;
    }

    public void encode(ByteBuffer out) {
        out.put((byte) 0x04).put((byte) command.code()).putShort((short) destination.port());
        if (isSocks4a()) {
            out.put(new byte[] {0, 0, 0, 1});
        } else {
            out.put(destination.ip().getAddress());
        }
        out.put(userId.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        if (isSocks4a()) {
            out.put(destination.domain().getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        }
    }

    public byte[] toBytes() {
        return Codec.toBytes(encodedLength(), this::encode);
    }

    public static Socks4CommandRequest decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            Codec.expect(CONTEXT, "VN", b.get(), 0x04);
            Socks4CommandType command = Socks4CommandType.valueOf(b.get());
            int port = b.getShort() & 0xFFFF;
            byte[] ip = new byte[4];
            b.get(ip);
            String userId = Codec.nulTerminated(b, MAX_USER_ID_LENGTH, CONTEXT, "USERID", StandardCharsets.UTF_8);
            SocksAddress destination;
            if (ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
                String host = Codec.nulTerminated(b, SocksAddress.MAX_DOMAIN_LENGTH, CONTEXT, "SOCKS4a host name");
                if (host.isEmpty()) {
                    throw new SocksProtocolException(CONTEXT + ": SOCKS4a host name is empty");
                }
                try {
                    destination = SocksAddress.ofHost(host, port);
                } catch (IllegalArgumentException e) {
                    throw new SocksProtocolException(CONTEXT + ": " + e.getMessage(), e);
                }
            } else {
                destination = SocksAddress.ofIp(SocksAddress.ipv4(ip), port);
            }
            return new Socks4CommandRequest(command, destination, userId);
        });
    }
}
