package io.socksify.protocol.wire;

import java.nio.ByteBuffer;

/**
 * The abort message of RFC 1961 (section 3.6): either side gives up the GSS-API method and closes.
 * <pre>
 * +------+------+
 * + ver  | mtyp |
 * +------+------+
 * + 0x01 | 0xff |
 * +------+------+
 * </pre>
 * Dante never sends it (it closes the connection instead); a client must expect both.
 */
public final class Socks5GssapiAbort implements Socks5GssapiMessage {
    public static final Socks5GssapiAbort INSTANCE = new Socks5GssapiAbort();

    private Socks5GssapiAbort() {
    }

    @Override
    public int mtyp() {
        return MTYP_ABORT;
    }

    @Override
    public int encodedLength() {
        return 2;
    }

    @Override
    public void encode(ByteBuffer out) {
        out.put((byte) VERSION).put((byte) MTYP_ABORT);
    }

    @Override
    public String toString() {
        return "Socks5GssapiAbort";
    }
}
