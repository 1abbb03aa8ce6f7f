package io.socksify.protocol.wire;

import java.io.IOException;

/**
 * Bytes that break the SOCKS protocol: a wrong version, a reserved field that is not zero, an unknown address type,
 * a length out of range. The message names the field, the offending value and what was expected, for example
 * {@code "SOCKS5 reply: VER is 0x04 (expected 0x05)"}.
 */
public class SocksProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public SocksProtocolException(String message) {
        super(message);
    }

    public SocksProtocolException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @return {@code 0x05}-style hex of an unsigned byte value */
    public static String hex(int value) {
        return String.format("0x%02X", value & 0xFF);
    }

    static SocksProtocolException unexpected(String message, String field, int actual, String expected) {
        return new SocksProtocolException(message + ": " + field + " is " + hex(actual) + " (expected " + expected + ")");
    }
}
