package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A SOCKS5 reply (RFC 1928 section 6). {@code BND} may be of any address type: an IPv6 or domain reply is longer
 * than the common ten bytes.
 * <pre>
 * +-----+-----+-------+------+----------+----------+
 * | VER | REP |  RSV  | ATYP | BND.ADDR | BND.PORT |
 * +-----+-----+-------+------+----------+----------+
 * | X05 |  1  | X'00' |  1   | Variable |    2     |
 * +-----+-----+-------+------+----------+----------+
 * </pre>
 */
public record Socks5CommandResponse(Socks5CommandStatus status, SocksAddress bound) {
    private static final String CONTEXT = "SOCKS5 reply";

    public Socks5CommandResponse {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(bound, "bound");
    }

    /** A failure reply with the all-zeros bound address. */
    public static Socks5CommandResponse failure(Socks5CommandStatus status) {
        return new Socks5CommandResponse(status, SocksAddress.unspecified());
    }

    public int encodedLength() {
        return 3 + bound.encodedLength();
    }

    public void encode(ByteBuffer out) {
        out.put((byte) 0x05).put((byte) status.code()).put((byte) 0x00);
        bound.encode(out);
    }

    public byte[] toBytes() {
        return Codec.toBytes(encodedLength(), this::encode);
    }

    public static Socks5CommandResponse decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            Codec.expect(CONTEXT, "VER", b.get(), 0x05);
            Socks5CommandStatus status = Socks5CommandStatus.valueOf(b.get());
            Codec.expect(CONTEXT, "RSV", b.get(), 0x00);
            return new Socks5CommandResponse(status, Codec.address(b, CONTEXT));
        });
    }
}
