package io.socksify.protocol.wire;

/**
 * An authentication {@code METHOD} of the SOCKS5 greeting (RFC 1928 section 3). Unknown codes keep their value.
 */
public record Socks5AuthMethod(int code) {
    public static final Socks5AuthMethod NO_AUTH = new Socks5AuthMethod(0x00);
    public static final Socks5AuthMethod GSSAPI = new Socks5AuthMethod(0x01);
    public static final Socks5AuthMethod PASSWORD = new Socks5AuthMethod(0x02);
    public static final Socks5AuthMethod NO_ACCEPTABLE_METHODS = new Socks5AuthMethod(0xFF);

    public Socks5AuthMethod {
        ByteCodes.checkByte("method", code);
    }

    public static Socks5AuthMethod valueOf(int code) {
        return switch (code & 0xFF) {
            case 0x00 -> NO_AUTH;
            case 0x01 -> GSSAPI;
            case 0x02 -> PASSWORD;
            case 0xFF -> NO_ACCEPTABLE_METHODS;
            default -> new Socks5AuthMethod(code & 0xFF);
        };
    }

    public String name() {
        return switch (code) {
            case 0x00 -> "NO_AUTH";
            case 0x01 -> "GSSAPI";
            case 0x02 -> "PASSWORD";
            case 0xFF -> "NO_ACCEPTABLE_METHODS";
            default -> code <= 0x7F ? "IANA_ASSIGNED" : "PRIVATE";
        };
    }

    @Override
    public String toString() {
        return ByteCodes.format(name(), code);
    }
}
