package io.socksify.protocol.wire;

import java.nio.ByteBuffer;

/**
 * A message of the SOCKS5 GSS-API method (RFC 1961): every message after the method selection that selected
 * {@link Socks5AuthMethod#GSSAPI} until the method's end.
 * <pre>
 * +------+------+------+.......................+
 * + ver  | mtyp | len  |       token           |
 * +------+------+------+.......................+
 * + 0x01 | 0x01 | 0x02 | up to 2^16 - 1 octets |
 * +------+------+------+.......................+
 * </pre>
 * {@code MTYP} 1 carries a context token ({@link Socks5GssapiContextToken}), 2 the protection level
 * ({@link Socks5GssapiProtection}), 3 a per-message protected request, reply or data chunk
 * ({@link Socks5GssapiEncapsulation}); {@code MTYP} 0xFF is the abort ({@link Socks5GssapiAbort}), which has no
 * {@code LEN} and no token. Tokens are opaque here: {@code gss_init_sec_context}, {@code gss_wrap} and
 * {@code gss_unwrap} give them meaning.
 */
public sealed interface Socks5GssapiMessage
        permits TokenMessage, Socks5GssapiAbort {
    /** The {@code ver} of every RFC 1961 message. */
    int VERSION = 0x01;
    /** The largest token {@code LEN} can describe. */
    int MAX_TOKEN_LENGTH = 0xFFFF;
    /** {@code MTYP} of a context-establishment token (RFC 1961 section 3.3). */
    int MTYP_CONTEXT = 0x01;
    /** {@code MTYP} of the protection-level sub-negotiation (RFC 1961 section 4.3). */
    int MTYP_PROTECTION = 0x02;
    /** {@code MTYP} of an encapsulated (per-message protected) message (RFC 1961 section 5). */
    int MTYP_ENCAPSULATION = 0x03;
    /** {@code MTYP} of the abort message (RFC 1961 section 3.6). */
    int MTYP_ABORT = 0xFF;

    /** @return {@code MTYP} */
    int mtyp();

    /** @return the number of octets {@link #encode} writes */
    int encodedLength();

    void encode(ByteBuffer out);

    default byte[] toBytes() {
        return Codec.toBytes(encodedLength(), this::encode);
    }

    /**
     * Decodes one message from a stream (TCP): returns null with the position unchanged while the message is
     * incomplete.
     *
     * @throws SocksProtocolException for a {@code ver} other than 1 or an unknown {@code MTYP}, as soon as seen
     */
    static Socks5GssapiMessage decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> read(b, "RFC 1961 message", -1));
    }

    /**
     * Decodes one message of an expected type from a stream; the abort is accepted in every place, since either side
     * may send it at any time.
     *
     * @throws SocksProtocolException as {@link #decode}, and for any other {@code MTYP} than {@code expectedMtyp}
     */
    static Socks5GssapiMessage decode(ByteBuffer in, int expectedMtyp) throws SocksProtocolException {
        return Codec.decode(in, b -> read(b, "RFC 1961 message", expectedMtyp));
    }

    /**
     * Decodes a message that must fill {@code in} exactly, as a datagram does: no null for short input.
     *
     * @throws SocksProtocolException also when {@code LEN} is more than the octets that follow it or the message is
     *                                followed by more octets
     */
    static Socks5GssapiMessage decodeWhole(ByteBuffer in, String context) throws SocksProtocolException {
        int start = in.position();
        int available = in.remaining();
        if (available >= 4 && (in.get(start) & 0xFF) == VERSION && (in.get(start + 1) & 0xFF) != MTYP_ABORT) {
            int len = in.getShort(start + 2) & 0xFFFF;
            if (len != available - 4) {
                throw new SocksProtocolException(context + ": LEN is " + len + " but " + (available - 4)
                        + " octets follow it");
            }
        }
        Socks5GssapiMessage m = Codec.decode(in, b -> read(b, context, -1));
        if (m == null) {
            throw new SocksProtocolException(context + ": " + available + " octets are not a whole RFC 1961 message");
        }
        if (in.hasRemaining()) {
            in.position(start);
            throw new SocksProtocolException(context + ": " + (available - m.encodedLength())
                    + " octets follow the RFC 1961 message");
        }
        return m;
    }

    /** @param expectedMtyp the one {@code MTYP} besides the abort to accept, or -1 for any */
    private static Socks5GssapiMessage read(ByteBuffer b, String context, int expectedMtyp)
            throws SocksProtocolException {
        Codec.expect(context, "VER", b.get(), VERSION);
        int mtyp = b.get() & 0xFF;
        if (mtyp == MTYP_ABORT) {
            return Socks5GssapiAbort.INSTANCE;
        }
        if (expectedMtyp >= 0 && mtyp != expectedMtyp) {
            throw SocksProtocolException.unexpected(context, "MTYP", mtyp,
                    SocksProtocolException.hex(expectedMtyp) + " or 0xFF (abort)");
        }
        if (mtyp != MTYP_CONTEXT && mtyp != MTYP_PROTECTION && mtyp != MTYP_ENCAPSULATION) {
            throw SocksProtocolException.unexpected(context, "MTYP", mtyp, "0x01, 0x02, 0x03 or 0xFF");
        }
        int len = b.getShort() & 0xFFFF;
        byte[] token = new byte[len];
        b.get(token);
        return switch (mtyp) {
            case MTYP_CONTEXT -> new Socks5GssapiContextToken(token);
            case MTYP_PROTECTION -> new Socks5GssapiProtection(token);
            default -> new Socks5GssapiEncapsulation(token);
        };
    }
}
