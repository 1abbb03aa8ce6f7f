package io.socksify.protocol.wire;

/** Shared checks and printing for the byte-coded protocol values. */
final class ByteCodes {
    private ByteCodes() {
    }

    static int checkByte(String type, int code) {
        if (code < 0 || code > 0xFF) {
            throw new IllegalArgumentException(type + ": " + code + " (expected: 0..255)");
        }
        return code;
    }

    /** @return {@code NAME(0x05)} */
    static String format(String name, int code) {
        return name + "(" + SocksProtocolException.hex(code) + ")";
    }
}
