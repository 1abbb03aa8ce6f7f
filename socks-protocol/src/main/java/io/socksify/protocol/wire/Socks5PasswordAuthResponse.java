package io.socksify.protocol.wire;

import java.nio.ByteBuffer;

/**
 * The username/password sub-negotiation status (RFC 1929 section 2): {@code STATUS} 0 is success, anything else
 * failure. Many servers answer with {@code VER} 5 instead of 1; both are accepted.
 * <pre>
 * +-----+--------+
 * | VER | STATUS |
 * +-----+--------+
 * | X01 |   1    |
 * +-----+--------+
 * </pre>
 */
public record Socks5PasswordAuthResponse(int status) {
    public static final int LENGTH = 2;
    public static final Socks5PasswordAuthResponse SUCCESS = new Socks5PasswordAuthResponse(0x00);
    public static final Socks5PasswordAuthResponse FAILURE = new Socks5PasswordAuthResponse(0x01);
    private static final String CONTEXT = "SOCKS5 username/password reply";

    public Socks5PasswordAuthResponse {
        ByteCodes.checkByte("status", status);
    }

    public boolean isSuccess() {
        return status == 0;
    }

    public void encode(ByteBuffer out) {
        out.put((byte) 0x01).put((byte) status);
    }

    public byte[] toBytes() {
        return Codec.toBytes(LENGTH, this::encode);
    }

    public static Socks5PasswordAuthResponse decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            int ver = b.get() & 0xFF;
            if (ver != 0x01 && ver != 0x05) {
                throw SocksProtocolException.unexpected(CONTEXT, "VER", ver, "0x01 (or 0x05)");
            }
            return new Socks5PasswordAuthResponse(b.get() & 0xFF);
        });
    }
}
