package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * {@code MTYP} 3 of RFC 1961, a per-message protected message (RFC 1961 section 5): the output of {@code gss_wrap} over
 * the SOCKS5 request, the reply, or a chunk of the relayed data.
 * <pre>
 * +------+------+------+.......................+
 * + ver  | mtyp | len  |       token           |
 * +------+------+------+.......................+
 * + 0x01 | 0x03 | 0x02 | up to 2^16 - 1 octets |
 * +------+------+------+.......................+
 * </pre>
 * The token is copied in and out: instances are immutable.
 */
public final class Socks5GssapiEncapsulation implements Socks5GssapiMessage {
    private final byte[] token;

    /** @throws IllegalArgumentException for a token over 65,535 octets */
    public Socks5GssapiEncapsulation(byte[] token) {
        this.token = Socks5GssapiMessage.checkToken("Socks5GssapiEncapsulation", token);
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
        return MTYP_ENCAPSULATION;
    }

    @Override
    public int encodedLength() {
        return 4 + token.length;
    }

    @Override
    public void encode(ByteBuffer out) {
        Socks5GssapiMessage.encodeToken(out, MTYP_ENCAPSULATION, token);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Socks5GssapiEncapsulation other && Arrays.equals(token, other.token);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(token);
    }

    @Override
    public String toString() {
        return Socks5GssapiMessage.format("Socks5GssapiEncapsulation", token);
    }
}
