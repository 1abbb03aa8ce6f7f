package io.socksify.protocol.wire;

/**
 * The protection level octet of RFC 1961 section 4.3, sent in {@link Socks5GssapiProtection}. Unknown values keep
 * their code.
 * <ul>
 *   <li>{@code 0x01} integrity: every message after it is {@code gss_wrap}ped without confidentiality;</li>
 *   <li>{@code 0x02} confidentiality: {@code gss_wrap}ped with confidentiality;</li>
 *   <li>{@code 0x03} per-message: each message chooses; real servers (Dante) refuse it;</li>
 *   <li>{@code 0x00} clear: not in RFC 1961, a Dante extension: GSS-API authenticates and everything after the
 *       sub-negotiation is plain. Only used when asked for explicitly.</li>
 * </ul>
 */
public record Socks5GssapiProtectionLevel(int code) {
    public static final Socks5GssapiProtectionLevel CLEAR = new Socks5GssapiProtectionLevel(0x00);
    public static final Socks5GssapiProtectionLevel INTEGRITY = new Socks5GssapiProtectionLevel(0x01);
    public static final Socks5GssapiProtectionLevel CONFIDENTIALITY = new Socks5GssapiProtectionLevel(0x02);
    public static final Socks5GssapiProtectionLevel PER_MESSAGE = new Socks5GssapiProtectionLevel(0x03);

    public Socks5GssapiProtectionLevel {
        ByteCodes.checkByte("protection level", code);
    }

    public static Socks5GssapiProtectionLevel valueOf(int code) {
        return switch (code & 0xFF) {
            case 0x00 -> CLEAR;
            case 0x01 -> INTEGRITY;
            case 0x02 -> CONFIDENTIALITY;
            case 0x03 -> PER_MESSAGE;
            default -> new Socks5GssapiProtectionLevel(code & 0xFF);
        };
    }

    /** @return whether data after the sub-negotiation travels in {@link Socks5GssapiEncapsulation} messages */
    public boolean encapsulates() {
        return code != 0x00;
    }

    /** @return whether {@code gss_wrap} is asked for confidentiality at this level */
    public boolean confidential() {
        return code == 0x02;
    }

    public String name() {
        return switch (code) {
            case 0x00 -> "CLEAR";
            case 0x01 -> "INTEGRITY";
            case 0x02 -> "CONFIDENTIALITY";
            case 0x03 -> "PER_MESSAGE";
            default -> "UNKNOWN";
        };
    }

    @Override
    public String toString() {
        return ByteCodes.format(name(), code);
    }
}
