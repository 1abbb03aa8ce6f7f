package io.socksify.protocol.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The SOCKS5 greeting: the methods the client offers (RFC 1928 section 3).
 * <pre>
 * +-----+----------+----------+
 * | VER | NMETHODS | METHODS  |
 * +-----+----------+----------+
 * | X05 |    1     | 1 to 255 |
 * +-----+----------+----------+
 * </pre>
 */
public record Socks5InitialRequest(List<Socks5AuthMethod> methods) {
    private static final String CONTEXT = "SOCKS5 greeting";

    public Socks5InitialRequest {
        methods = List.copyOf(methods);
        if (methods.isEmpty() || methods.size() > 255) {
            throw new IllegalArgumentException("methods: " + methods.size() + " (expected: 1..255)");
        }
    }

    public static Socks5InitialRequest of(Socks5AuthMethod... methods) {
        return new Socks5InitialRequest(List.of(methods));
    }

    public int encodedLength() {
        return 2 + methods.size();
    }

    public void encode(ByteBuffer out) {
        out.put((byte) 0x05).put((byte) methods.size());
        for (Socks5AuthMethod m : methods) {
            out.put((byte) m.code());
        }
    }

    public byte[] toBytes() {
        return Codec.toBytes(encodedLength(), this::encode);
    }

    /** @return the greeting, or null if incomplete; throws if {@code VER} is not 5 or {@code NMETHODS} is 0 */
    public static Socks5InitialRequest decode(ByteBuffer in) throws SocksProtocolException {
        return Codec.decode(in, b -> {
            Codec.expect(CONTEXT, "VER", b.get(), 0x05);
            int n = b.get() & 0xFF;
            if (n == 0) {
                throw new SocksProtocolException(CONTEXT + ": NMETHODS is 0 (expected 1..255)");
            }
            List<Socks5AuthMethod> methods = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                methods.add(Socks5AuthMethod.valueOf(b.get()));
            }
            return new Socks5InitialRequest(methods);
        });
    }
}
