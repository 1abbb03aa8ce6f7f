package io.socksify.protocol.wire;

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
public final class Socks5GssapiProtection extends TokenMessage {
    /** @throws IllegalArgumentException for a token over 65,535 octets */
    public Socks5GssapiProtection(byte[] token) {
        super(token);
    }

    @Override
    public int mtyp() {
        return MTYP_PROTECTION;
    }
}
