package io.socksify.protocol.wire;

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
public final class Socks5GssapiContextToken extends TokenMessage {
    /** @throws IllegalArgumentException for a token over 65,535 octets */
    public Socks5GssapiContextToken(byte[] token) {
        super(token);
    }

    @Override
    public int mtyp() {
        return MTYP_CONTEXT;
    }
}
