package io.socksify.protocol.wire;

import java.nio.ByteBuffer;

/**
 * The server's method selection (RFC 1928 section 3); {@code METHOD} X'FF' means none is acceptable.
 * <pre>
 * +-----+--------+
 * | VER | METHOD |
 * +-----+--------+
 * | X05 |   1    |
 * +-----+--------+
 * </pre>
 */
public record Socks5InitialResponse(Socks5AuthMethod method) {
    public static final int LENGTH = 2;
    private static final String CONTEXT = "SOCKS5 method selection";

    public Socks5InitialResponse {
        java.util.Objects.requireNonNull(method, "method");
    }

    public void encode(ByteBuffer out) {
        out.put((byte) 0x05).put((byte) method.code());
    }

    public byte[] toBytes() {
        return Codec.toBytes(LENGTH, this::encode);
    }

    public static Socks5InitialResponse decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            Codec.expect(CONTEXT, "VER", b.get(), 0x05);
            return new Socks5InitialResponse(Socks5AuthMethod.valueOf(b.get()));
        });
    }
}
