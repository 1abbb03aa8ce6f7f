package io.socksify.protocol.wire;

/**
 * The {@code REP} field of a SOCKS5 reply (RFC 1928 section 6). Only {@link #SUCCEEDED} is success: the unassigned
 * codes {@code 0x09..0xFF} keep their value and count as failures.
 */
public record Socks5CommandStatus(int code) {
    public static final Socks5CommandStatus SUCCEEDED = new Socks5CommandStatus(0x00);
    public static final Socks5CommandStatus GENERAL_FAILURE = new Socks5CommandStatus(0x01);
    public static final Socks5CommandStatus NOT_ALLOWED = new Socks5CommandStatus(0x02);
    public static final Socks5CommandStatus NETWORK_UNREACHABLE = new Socks5CommandStatus(0x03);
    public static final Socks5CommandStatus HOST_UNREACHABLE = new Socks5CommandStatus(0x04);
    public static final Socks5CommandStatus CONNECTION_REFUSED = new Socks5CommandStatus(0x05);
    public static final Socks5CommandStatus TTL_EXPIRED = new Socks5CommandStatus(0x06);
    public static final Socks5CommandStatus COMMAND_NOT_SUPPORTED = new Socks5CommandStatus(0x07);
    public static final Socks5CommandStatus ADDRESS_TYPE_NOT_SUPPORTED = new Socks5CommandStatus(0x08);

    public Socks5CommandStatus {
        ByteCodes.checkByte("status", code);
    }

    public static Socks5CommandStatus valueOf(int code) {
        return switch (code & 0xFF) {
            case 0x00 -> SUCCEEDED;
            case 0x01 -> GENERAL_FAILURE;
            case 0x02 -> NOT_ALLOWED;
            case 0x03 -> NETWORK_UNREACHABLE;
            case 0x04 -> HOST_UNREACHABLE;
            case 0x05 -> CONNECTION_REFUSED;
            case 0x06 -> TTL_EXPIRED;
            case 0x07 -> COMMAND_NOT_SUPPORTED;
            case 0x08 -> ADDRESS_TYPE_NOT_SUPPORTED;
            default -> new Socks5CommandStatus(code & 0xFF);
        };
    }

    public boolean isSuccess() {
        return code == 0x00;
    }

    public String name() {
        return switch (code) {
            case 0x00 -> "SUCCEEDED";
            case 0x01 -> "GENERAL_FAILURE";
            case 0x02 -> "NOT_ALLOWED";
            case 0x03 -> "NETWORK_UNREACHABLE";
            case 0x04 -> "HOST_UNREACHABLE";
            case 0x05 -> "CONNECTION_REFUSED";
            case 0x06 -> "TTL_EXPIRED";
            case 0x07 -> "COMMAND_NOT_SUPPORTED";
            case 0x08 -> "ADDRESS_TYPE_NOT_SUPPORTED";
            default -> "UNASSIGNED";
        };
    }

    /** @return what happened, in words, for error messages */
    public String describe() {
        return switch (code) {
            case 0x00 -> "succeeded";
            case 0x01 -> "general SOCKS server failure";
            case 0x02 -> "connection not allowed by ruleset";
            case 0x03 -> "network unreachable";
            case 0x04 -> "host unreachable";
            case 0x05 -> "connection refused";
            case 0x06 -> "TTL expired";
            case 0x07 -> "command not supported";
            case 0x08 -> "address type not supported";
            default -> "unassigned reply code " + SocksProtocolException.hex(code);
        };
    }

    @Override
    public String toString() {
        return ByteCodes.format(name(), code);
    }
}
