package io.socksify.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.socksify.protocol.wire.Socks5UdpHeader;
import io.socksify.protocol.wire.SocksProtocolException;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The RFC 1928 section 7 UDP request header, as the server's relay and the agent's UDP path decode every datagram.
 *
 * <p>Properties: decoding returns a header, null (position unchanged), or throws {@link SocksProtocolException};
 * a decoded header encodes back to exactly the bytes it was read from, unless the codec normalised its address: a
 * name that is an IP literal becomes that IP (a literal is never treated as a name, so rules see one form), and a
 * name's octets above 0x7F, which the encoder never sends, are not compared.
 *
 * <p>Regression input {@code crash-6057cc66...}: a name {@code "0.8.0.8"} decodes as the IPv4 address; the finding was
 * this property's, not the codec's (the normalisation is intended), and the property now says so.
 */
class UdpHeaderFuzzTest {
    @FuzzTest
    void header(byte[] datagram) {
        ByteBuffer in = ByteBuffer.wrap(datagram);
        Socks5UdpHeader header;
        try {
            header = Socks5UdpHeader.decode(in);
        } catch (SocksProtocolException e) {
            assertEquals(0, in.position(), "a refused header must leave the position");
            return;
        }
        if (header == null) {
            assertEquals(0, in.position(), "null must leave the position");
            return;
        }
        String host = header.address().isDomain() ? header.address().domain() : "";
        boolean sameType = header.address().type().code() == (datagram[3] & 0xFF);
        if (sameType && host.chars().allMatch(c -> c < 0x80)) {
            ByteBuffer out = ByteBuffer.allocate(in.position());
            header.encode(out);
            assertArrayEquals(Arrays.copyOf(datagram, in.position()), out.array());
        }
    }
}
