package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * {@code MTYP} 2 of RFC 1961, the protection-level sub-negotiation (RFC 1961 section 4.3): the token is the one-octet
 * level ({@link Socks5GssapiProtectionLevel}) after {@code gss_wrap} with confidentiality off, or the bare octet with
 * NEC-compatible servers.
 * <pre>
 * +------+------+------+.......................+
 * + ver  | mtyp | len  |       token           |
 * +------+------+------+.......................+
 * + 0x01 | 0x02 | 0x02 | up to 2^16 - 1 octets |
 * +------+------+------+.......................+
 * </pre>
 * The token is copied in and out: instances are immutable.
 */
public final class Socks5GssapiProtection implements Socks5GssapiMessage {
    private final byte[] token;

    /** @throws IllegalArgumentException for a token over 65,535 octets */
    public Socks5GssapiProtection(byte[] token) {
        this.token = Socks5GssapiMessage.checkToken("Socks5GssapiProtection", token);
    }

    /** @return a copy of the token */
    public byte[] token() {
        return token.clone();
    }

    /** @return {@code LEN} */
    public int length() {
        return token.length;
    }

    @Override
    public int mtyp() {
        return MTYP_PROTECTION;
    }

    @Override
    public int encodedLength() {
        return 4 + token.length;
    }

    @Override
    public void encode(ByteBuffer out) {
        Socks5GssapiMessage.encodeToken(out, MTYP_PROTECTION, token);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Socks5GssapiProtection other && Arrays.equals(token, other.token);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(token);
    }

    @Override
    public String toString() {
        return Socks5GssapiMessage.format("Socks5GssapiProtection", token);
    }
}
