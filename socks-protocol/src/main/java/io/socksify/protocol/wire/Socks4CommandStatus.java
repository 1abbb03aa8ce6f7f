package io.socksify.protocol.wire;

/** The {@code CD} of a SOCKS4 reply: 90 granted, 91..93 failures. Unknown codes keep their value (failures). */
public record Socks4CommandStatus(int code) {
    public static final Socks4CommandStatus GRANTED = new Socks4CommandStatus(0x5A);
    public static final Socks4CommandStatus REJECTED_OR_FAILED = new Socks4CommandStatus(0x5B);
    public static final Socks4CommandStatus IDENTD_UNREACHABLE = new Socks4CommandStatus(0x5C);
    public static final Socks4CommandStatus IDENTD_MISMATCH = new Socks4CommandStatus(0x5D);

    public Socks4CommandStatus {
        ByteCodes.checkByte("status", code);
    }

    public static Socks4CommandStatus valueOf(int code) {
        return switch (code & 0xFF) {
            case 0x5A -> GRANTED;
            case 0x5B -> REJECTED_OR_FAILED;
            case 0x5C -> IDENTD_UNREACHABLE;
            case 0x5D -> IDENTD_MISMATCH;
            default -> new Socks4CommandStatus(code & 0xFF);
        };
    }

    public boolean isSuccess() {
        return code == 0x5A;
    }

    public String name() {
        return switch (code) {
            case 0x5A -> "GRANTED";
            case 0x5B -> "REJECTED_OR_FAILED";
            case 0x5C -> "IDENTD_UNREACHABLE";
            case 0x5D -> "IDENTD_MISMATCH";
            default -> "UNASSIGNED";
        };
    }

    /** @return what happened, in words, for error messages */
    public String describe() {
        return switch (code) {
            case 0x5A -> "request granted";
            case 0x5B -> "request rejected or failed";
            case 0x5C -> "request rejected: the proxy cannot reach identd on the client";
            case 0x5D -> "request rejected: identd reports a different user id";
            default -> "unassigned reply code " + SocksProtocolException.hex(code);
        };
    }

    @Override
    public String toString() {
        return ByteCodes.format(name(), code);
    }
}
