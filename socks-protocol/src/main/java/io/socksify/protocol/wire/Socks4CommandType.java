package io.socksify.protocol.wire;

/** The {@code CD} of a SOCKS4 request. Unknown codes keep their value. */
public record Socks4CommandType(int code) {
    public static final Socks4CommandType CONNECT = new Socks4CommandType(0x01);
    public static final Socks4CommandType BIND = new Socks4CommandType(0x02);

    public Socks4CommandType {
        ByteCodes.checkByte("command", code);
    }

    public static Socks4CommandType valueOf(int code) {
        return switch (code & 0xFF) {
            case 0x01 -> CONNECT;
            case 0x02 -> BIND;
            default -> new Socks4CommandType(code & 0xFF);
        };
    }

    public boolean isKnown() {
        return code == 0x01 || code == 0x02;
    }

    public String name() {
        return switch (code) {
            case 0x01 -> "CONNECT";
            case 0x02 -> "BIND";
            default -> "UNKNOWN";
        };
    }

    @Override
    public String toString() {
        return ByteCodes.format(name(), code);
    }
}
