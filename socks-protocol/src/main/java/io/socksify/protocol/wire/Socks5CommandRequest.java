package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A SOCKS5 request (RFC 1928 section 4).
 * <pre>
 * +-----+-----+-------+------+----------+----------+
 * | VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |
 * +-----+-----+-------+------+----------+----------+
 * | X05 |  1  | X'00' |  1   | Variable |    2     |
 * +-----+-----+-------+------+----------+----------+
 * </pre>
 * An unknown {@code CMD} decodes (a server answers it with {@code COMMAND_NOT_SUPPORTED}); an unknown
 * {@code ATYP} cannot, since the length of what follows is unknown.
 */
public record Socks5CommandRequest(Socks5CommandType command, SocksAddress destination) {
    private static final String CONTEXT = "SOCKS5 request";

    public Socks5CommandRequest {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(destination, "destination");
    }

    public int encodedLength() {
        return 3 + destination.encodedLength();
    }

    public void encode(ByteBuffer out) {
        out.put((byte) 0x05).put((byte) command.code()).put((byte) 0x00);
        destination.encode(out);
    }

    public byte[] toBytes() {
        return Codec.toBytes(encodedLength(), this::encode);
    }

    public static Socks5CommandRequest decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            Codec.expect(CONTEXT, "VER", b.get(), 0x05);
            Socks5CommandType command = Socks5CommandType.valueOf(b.get());
            Codec.expect(CONTEXT, "RSV", b.get(), 0x00);
            return new Socks5CommandRequest(command, Codec.address(b, CONTEXT));
        });
    }
}
