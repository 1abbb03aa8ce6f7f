package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the three token-carrying RFC 1961 messages share ({@code MTYP} 1, 2 and 3): an immutable copy of the token,
 * its encoding after {@code ver}, {@code mtyp} and {@code len}, and value equality within one message type.
 */
abstract sealed class TokenMessage implements Socks5GssapiMessage
        permits Socks5GssapiContextToken, Socks5GssapiProtection, Socks5GssapiEncapsulation {
    private final byte[] token;

    /** @throws IllegalArgumentException for a token over 65,535 octets */
    TokenMessage(byte[] token) {
        java.util.Objects.requireNonNull(token, "token");
        if (token.length > MAX_TOKEN_LENGTH) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": a token of " + token.length
                    + " octets (expected: at most " + MAX_TOKEN_LENGTH + ", RFC 1961 LEN is two octets)");
        }
        this.token = token.clone();
    }

    /** @return a copy of the token */
    public final byte[] token() {
        return token.clone();
    }

    /** @return {@code LEN} */
    public final int length() {
        return token.length;
    }

    @Override
    public final int encodedLength() {
        return 4 + token.length;
    }

    @Override
    public final void encode(ByteBuffer out) {
        out.put((byte) VERSION).put((byte) mtyp()).putShort((short) token.length).put(token);
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && Arrays.equals(token, ((TokenMessage) o).token);
    }

    @Override
    public final int hashCode() {
        return 31 * mtyp() + Arrays.hashCode(token);
    }

    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[" + token.length + " octets]";
    }
}
