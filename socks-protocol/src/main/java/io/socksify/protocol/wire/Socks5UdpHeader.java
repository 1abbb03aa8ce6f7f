package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The header before every datagram relayed by a SOCKS5 UDP ASSOCIATE (RFC 1928 section 7), in both directions.
 * <pre>
 * +-----+------+------+----------+----------+----------+
 * | RSV | FRAG | ATYP | DST.ADDR | DST.PORT |   DATA   |
 * +-----+------+------+----------+----------+----------+
 * |  2  |  1   |  1   | Variable |    2     | Variable |
 * +-----+------+------+----------+----------+----------+
 * </pre>
 * {@code FRAG} 0 is a whole datagram. Implementations without reassembly, like this one, must drop the others:
 * {@link #isFragment()} tells a relay to do so. The header costs 10 (IPv4), 22 (IPv6) or 7 + length (domain)
 * bytes of the datagram.
 */
public record Socks5UdpHeader(int fragment, SocksAddress address) {
    private static final String CONTEXT = "SOCKS5 UDP header";

    public Socks5UdpHeader {
        ByteCodes.checkByte("fragment", fragment);
        Objects.requireNonNull(address, "address");
    }

    public static Socks5UdpHeader of(SocksAddress address) {
        return new Socks5UdpHeader(0, address);
    }

    public boolean isFragment() {
        return fragment != 0;
    }

    public int encodedLength() {
        return 3 + address.encodedLength();
    }

    public void encode(ByteBuffer out) {
        out.putShort((short) 0).put((byte) fragment);
        address.encode(out);
    }

    public byte[] toBytes() {
        return Codec.toBytes(encodedLength(), this::encode);
    }

    /**
     * Reads the header of a whole datagram, leaving {@code in}'s position at {@code DATA}.
     *
     * @throws SocksProtocolException if {@code RSV} is not zero, {@code ATYP} is unknown, or the datagram is
     *                                shorter than its header
     */
    public static Socks5UdpHeader decode(ByteBuffer in) throws SocksProtocolException {
        Socks5UdpHeader header = Codec.decode(in, b -> {
            int rsv = b.getShort() & 0xFFFF;
            if (rsv != 0) {
                throw new SocksProtocolException(CONTEXT + ": RSV is 0x" + String.format("%04X", rsv)
                        + " (expected 0x0000)");
            }
            int frag = b.get() & 0xFF;
            return new Socks5UdpHeader(frag, Codec.address(b, CONTEXT));
        });
        if (header == null) {
            throw new SocksProtocolException(CONTEXT + ": datagram of " + in.remaining()
                    + " bytes is shorter than its header");
        }
        return header;
    }
}
