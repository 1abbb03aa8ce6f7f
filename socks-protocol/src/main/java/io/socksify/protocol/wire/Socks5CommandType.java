package io.socksify.protocol.wire;

/** The {@code CMD} of a SOCKS5 request (RFC 1928 section 4). Unknown codes keep their value. */
public record Socks5CommandType(int code) {
    public static final Socks5CommandType CONNECT = new Socks5CommandType(0x01);
    public static final Socks5CommandType BIND = new Socks5CommandType(0x02);
    public static final Socks5CommandType UDP_ASSOCIATE = new Socks5CommandType(0x03);

    public Socks5CommandType {
        ByteCodes.checkByte("command", code);
    }

    public static Socks5CommandType valueOf(int code) {
        return switch (code & 0xFF) {
            case 0x01 -> CONNECT;
            case 0x02 -> BIND;
            case 0x03 -> UDP_ASSOCIATE;
            default -> new Socks5CommandType(code & 0xFF);
        };
    }

    public boolean isKnown() {
        return code >= 0x01 && code <= 0x03;
    }

    public String name() {
        return switch (code) {
            case 0x01 -> "CONNECT";
            case 0x02 -> "BIND";
            case 0x03 -> "UDP_ASSOCIATE";
            default -> "UNKNOWN";
        };
    }

    @Override
    public String toString() {
        return ByteCodes.format(name(), code);
    }
}
