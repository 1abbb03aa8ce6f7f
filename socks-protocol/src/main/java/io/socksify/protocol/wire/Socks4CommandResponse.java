package io.socksify.protocol.wire;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A SOCKS4 reply, always eight bytes. {@code DSTIP} 0.0.0.0 in a BIND reply means "the proxy's own address".
 * <pre>
 * +----+----+---------+-------+
 * | VN | CD | DSTPORT | DSTIP |
 * +----+----+---------+-------+
 * | 0  | 1  |    2    |   4   |
 * +----+----+---------+-------+
 * </pre>
 * {@code VN} should be 0; some servers echo 4, which is accepted.
 */
public record Socks4CommandResponse(Socks4CommandStatus status, InetAddress address, int port) {
    public static final int LENGTH = 8;
    private static final String CONTEXT = "SOCKS4 reply";

    public Socks4CommandResponse {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(address, "address");
        if (address.getAddress().length != 4) {
            throw new IllegalArgumentException("address: " + address + " (expected: IPv4)");
        }
        SocksAddress.checkPort(port);
    }

    public static Socks4CommandResponse of(Socks4CommandStatus status) {
        return new Socks4CommandResponse(status, SocksAddress.ipv4(new byte[4]), 0);
    }

    public void encode(ByteBuffer out) {
        out.put((byte) 0x00).put((byte) status.code()).putShort((short) port).put(address.getAddress());
    }

    public byte[] toBytes() {
        return Codec.toBytes(LENGTH, this::encode);
    }

    public static Socks4CommandResponse decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            int vn = b.get() & 0xFF;
            if (vn != 0x00 && vn != 0x04) {
                throw SocksProtocolException.unexpected(CONTEXT, "VN", vn, "0x00");
            }
            Socks4CommandStatus status = Socks4CommandStatus.valueOf(b.get());
            int port = b.getShort() & 0xFFFF;
            byte[] ip = new byte[4];
            b.get(ip);
            return new Socks4CommandResponse(status, SocksAddress.ipv4(ip), port);
        });
    }
}
