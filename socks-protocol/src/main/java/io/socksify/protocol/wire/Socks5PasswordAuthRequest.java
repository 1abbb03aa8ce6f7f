package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The username/password sub-negotiation request (RFC 1929 section 2). Names and passwords travel as UTF-8.
 * <pre>
 * +-----+------+----------+------+----------+
 * | VER | ULEN |  UNAME   | PLEN |  PASSWD  |
 * +-----+------+----------+------+----------+
 * | X01 |  1   | 1 to 255 |  1   | 0 to 255 |
 * +-----+------+----------+------+----------+
 * </pre>
 * RFC 1929 asks for a password of at least one octet; an empty one is accepted because the JDK's own client sends
 * it when no {@code Authenticator} supplies one. {@link #toString()} masks the password.
 */
public record Socks5PasswordAuthRequest(String username, String password) {
    private static final String CONTEXT = "SOCKS5 username/password request";

    public Socks5PasswordAuthRequest {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Codec.lengthPrefixed("username", username, 1);
        Codec.lengthPrefixed("password", password, 0);
    }

    public int encodedLength() {
        return 3 + username.getBytes(StandardCharsets.UTF_8).length + password.getBytes(StandardCharsets.UTF_8).length;
    }

    public void encode(ByteBuffer out) {
        byte[] u = username.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        out.put((byte) 0x01).put((byte) u.length).put(u).put((byte) p.length).put(p);
    }

    public byte[] toBytes() {
        return Codec.toBytes(encodedLength(), this::encode);
    }

    public static Socks5PasswordAuthRequest decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            Codec.expect(CONTEXT, "VER", b.get(), 0x01);
            int ulen = b.get() & 0xFF;
            if (ulen == 0) {
                throw new SocksProtocolException(CONTEXT + ": ULEN is 0 (expected 1..255)");
            }
            byte[] u = new byte[ulen];
            b.get(u);
            byte[] p = new byte[b.get() & 0xFF];
            b.get(p);
            return new Socks5PasswordAuthRequest(new String(u, StandardCharsets.UTF_8),
                    new String(p, StandardCharsets.UTF_8));
        });
    }

    @Override
    public String toString() {
        return "Socks5PasswordAuthRequest[username=" + username + ", password=****]";
    }
}
