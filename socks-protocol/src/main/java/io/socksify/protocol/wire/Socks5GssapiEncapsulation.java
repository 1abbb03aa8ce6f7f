package io.socksify.protocol.wire;

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
public final class Socks5GssapiEncapsulation extends TokenMessage {
    /** @throws IllegalArgumentException for a token over 65,535 octets */
    public Socks5GssapiEncapsulation(byte[] token) {
        super(token);
    }

    @Override
    public int mtyp() {
        return MTYP_ENCAPSULATION;
    }
}
