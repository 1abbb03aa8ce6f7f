package io.socksify.protocol.wire;

/** The {@code ATYP} of SOCKS5 requests, replies and UDP headers (RFC 1928 section 5). */
public enum Socks5AddressType {
    IPV4(0x01),
    DOMAIN(0x03),
    IPV6(0x04);

    private final int code;

    Socks5AddressType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** @throws SocksProtocolException for any code but 1, 3 and 4: the address that follows cannot be parsed */
    public static Socks5AddressType valueOf(int code, String message) throws SocksProtocolException {
        return switch (code & 0xFF) {
            case 0x01 -> IPV4;
            case 0x03 -> DOMAIN;
            case 0x04 -> IPV6;
            default -> throw SocksProtocolException.unexpected(message, "ATYP", code, "0x01, 0x03 or 0x04");
        };
    }

    @Override
    public String toString() {
        return ByteCodes.format(name(), code);
    }
}
