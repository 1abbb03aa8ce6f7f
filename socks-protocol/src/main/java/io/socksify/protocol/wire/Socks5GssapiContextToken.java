package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * {@code MTYP} 1 of RFC 1961, a context-establishment token (RFC 1961 section 3.3 and 3.4): the output of {@code
 * gss_init_sec_context} from the client, of {@code gss_accept_sec_context} from the server. Dante answers every client
 * token with one, an empty one once its context is established.
 * <pre>
 * +------+------+------+.......................+
 * + ver  | mtyp | len  |       token           |
 * +------+------+------+.......................+
 * + 0x01 | 0x01 | 0x02 | up to 2^16 - 1 octets |
 * +------+------+------+.......................+
 * </pre>
 * The token is copied in and out: instances are immutable.
 */
public final class Socks5GssapiContextToken implements Socks5GssapiMessage {
    private final byte[] token;

    /** @throws IllegalArgumentException for a token over 65,535 octets */
    public Socks5GssapiContextToken(byte[] token) {
        this.token = Socks5GssapiMessage.checkToken("Socks5GssapiContextToken", token);
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
        return MTYP_CONTEXT;
    }

    @Override
    public int encodedLength() {
        return 4 + token.length;
    }

    @Override
    public void encode(ByteBuffer out) {
        Socks5GssapiMessage.encodeToken(out, MTYP_CONTEXT, token);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Socks5GssapiContextToken other && Arrays.equals(token, other.token);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(token);
    }

    @Override
    public String toString() {
        return Socks5GssapiMessage.format("Socks5GssapiContextToken", token);
    }
}
