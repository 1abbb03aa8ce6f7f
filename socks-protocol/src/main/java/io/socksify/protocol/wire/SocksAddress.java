package io.socksify.protocol.wire;

import java.net.IDN;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A SOCKS destination or bound address: an IP address or a host name, and a port.
 *
 * <p>On the SOCKS5 wire (RFC 1928 section 5) it is
 * <pre>
 * +------+----------+----------+
 * | ATYP | DST.ADDR | DST.PORT |
 * +------+----------+----------+
 * |  1   | Variable |    2     |
 * +------+----------+----------+
 * </pre>
 * with {@code ATYP} 1 and 4 bytes, 4 and 16 bytes, or 3 and a length byte followed by the name (no NUL).
 *
 * <p>Host names are stored in their ASCII (IDNA) form, at most 255 octets. A host name that is an IP literal
 * becomes an IP address: a literal is never sent as a domain name.
 */
public final class SocksAddress {
    /** The longest host name SOCKS5 and this implementation carry, in octets. */
    public static final int MAX_DOMAIN_LENGTH = 255;

    private final InetAddress ip;
    private final String domain;
    private final int port;

    private SocksAddress(InetAddress ip, String domain, int port) {
        this.ip = ip;
        this.domain = domain;
        this.port = checkPort(port);
    }

    public static SocksAddress ofIp(InetAddress ip, int port) {
        return new SocksAddress(Objects.requireNonNull(ip, "ip"), null, port);
    }

    /**
     * @param host a host name (converted to ASCII with IDNA) or an IP literal (kept as an IP; IPv6 with or without
     *             brackets)
     * @throws IllegalArgumentException if the name is empty, not a valid IDN, or longer than 255 octets in ASCII
     */
    public static SocksAddress ofHost(String host, int port) {
        Objects.requireNonNull(host, "host");
        InetAddress literal = parseLiteral(host);
        if (literal != null) {
            return new SocksAddress(literal, null, port);
        }
        return new SocksAddress(null, toAscii(host), port);
    }

    /** An unresolved address becomes a host name, a resolved one its IP address. */
    public static SocksAddress of(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            return ofHost(address.getHostString(), address.getPort());
        }
        return ofIp(address.getAddress(), address.getPort());
    }

    /** The all-zeros IPv4 address and port 0, for "unknown" ({@code DST} of a UDP ASSOCIATE without a local address). */
    public static SocksAddress unspecified() {
        return ofIp(ipv4(new byte[4]), 0);
    }

    public boolean isDomain() {
        return domain != null;
    }

    /** @return the IP address, or null for a host name */
    public InetAddress ip() {
        return ip;
    }

    /** @return the host name in ASCII, or null for an IP address */
    public String domain() {
        return domain;
    }

    public int port() {
        return port;
    }

    /** @return the host name or the IP address as text, without brackets */
    public String host() {
        return domain != null ? domain : ip.getHostAddress();
    }

    public Socks5AddressType type() {
        if (domain != null) {
            return Socks5AddressType.DOMAIN;
        }
        return ip instanceof Inet4Address ? Socks5AddressType.IPV4 : Socks5AddressType.IPV6;
    }

    /** @return whether this is an IP address with all bytes zero ({@code 0.0.0.0} or {@code ::}) */
    public boolean isWildcard() {
        return ip != null && ip.isAnyLocalAddress();
    }

    /** @return a resolved address for an IP, an unresolved one for a host name; no lookup happens */
    public InetSocketAddress toInetSocketAddress() {
        return domain != null ? InetSocketAddress.createUnresolved(domain, port) : new InetSocketAddress(ip, port);
    }

    /** @return the number of bytes {@link #encode} writes */
    public int encodedLength() {
        return 1 + addressLength() + 2;
    }

    private int addressLength() {
        return switch (type()) {
            case IPV4 -> 4;
            case IPV6 -> 16;
            case DOMAIN -> 1 + domain.length();
        };
    }

    /** Writes {@code ATYP ADDR PORT}. */
    public void encode(ByteBuffer out) {
        out.put((byte) type().code());
        if (domain != null) {
            out.put((byte) domain.length());
            out.put(domain.getBytes(StandardCharsets.US_ASCII));
        } else {
            out.put(ip.getAddress());
        }
        out.putShort((short) port);
    }

    /**
     * Reads {@code ATYP ADDR PORT}.
     *
     * @param context names the message for errors, e.g. {@code "SOCKS5 reply"}
     * @return the address, or null (position unchanged) if {@code in} does not hold all of it yet
     * @throws SocksProtocolException for an unknown {@code ATYP} or an empty host name
     */
    public static SocksAddress decode(ByteBuffer in, String context) throws SocksProtocolException {
        int start = in.position();
        try {
            SocksAddress address = read(in, context);
            if (address == null) {
                in.position(start);
            }
            return address;
        } catch (BufferUnderflowException e) {
            in.position(start);
            return null;
        }
    }

    private static SocksAddress read(ByteBuffer in, String context) throws SocksProtocolException {
        if (!in.hasRemaining()) {
            return null;
        }
        Socks5AddressType type = Socks5AddressType.valueOf(in.get(), context);
        switch (type) {
            case IPV4, IPV6 -> {
                byte[] bytes = new byte[type == Socks5AddressType.IPV4 ? 4 : 16];
                in.get(bytes);
                int port = in.getShort() & 0xFFFF;
                return new SocksAddress(type == Socks5AddressType.IPV4 ? ipv4(bytes) : ipv6(bytes), null, port);
            }
            default -> {
                int length = in.get() & 0xFF;
                if (length == 0) {
                    throw new SocksProtocolException(context + ": domain name length is 0 (expected 1..255)");
                }
                byte[] bytes = new byte[length];
                in.get(bytes);
                int port = in.getShort() & 0xFFFF;
                String name = new String(bytes, StandardCharsets.ISO_8859_1);
                if (name.indexOf('\0') >= 0) {
                    throw new SocksProtocolException(context + ": domain name contains a NUL byte");
                }
                // A peer may send an IP literal as a name; treat it as the address it is.
                InetAddress literal = parseLiteral(name);
                return literal != null ? new SocksAddress(literal, null, port) : new SocksAddress(null, name, port);
            }
        }
    }

    static int checkPort(int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        return port;
    }

    static String toAscii(String host) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host: empty (expected: a host name of 1..255 octets)");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("host: " + Printable.field(host) + " is not a valid host name: "
                    + Printable.escape(e.getMessage()), e);
        }
        if (ascii.isEmpty() || ascii.length() > MAX_DOMAIN_LENGTH) {
            throw new IllegalArgumentException("host: " + ascii.length() + " octets in ASCII (expected: 1..255)");
        }
        return ascii;
    }

    /** @return the address of an IPv4 or IPv6 literal, or null if {@code host} is not one; never a DNS lookup */
    public static InetAddress parseLiteral(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.indexOf(':') >= 0) {
            try {
                // With a colon the JDK parses an IPv6 literal and never looks the name up.
                return InetAddress.getByName(h.indexOf('%') >= 0 ? h : "[" + h + "]");
            } catch (UnknownHostException | IllegalArgumentException e) {
                return null;
            }
        }
        byte[] bytes = parseIpv4(h);
        return bytes == null ? null : ipv4(bytes);
    }

    private static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            // A leading zero reads as octal to inet_aton and is refused by the JDK: not a literal, a name.
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            bytes[i] = (byte) v;
        }
        return bytes;
    }

    static InetAddress ipv4(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static InetAddress ipv6(byte[] bytes) {
        try {
            // getByAddress turns IPv4-mapped addresses into Inet4Address; keep the wire's family.
            return Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SocksAddress a && port == a.port && Objects.equals(ip, a.ip)
                && Objects.equals(domain, a.domain);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ip, domain, port);
    }

    /** @return {@code host:port}, with IPv6 in brackets */
    @Override
    public String toString() {
        // A domain name is the peer's choice of up to 255 arbitrary octets: rendered, it must stay one field.
        return (ip instanceof Inet6Address ? "[" + host() + "]" : domain != null ? Printable.field(domain) : host())
                + ":" + port;
    }
}
