package io.socksify.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Hex helpers and the split-point check the codec tests share. */
final class WireTesting {
    private WireTesting() {
    }

    interface Decoder<T> {
        T decode(ByteBuffer in) throws SocksProtocolException;
    }

    /** @param hex bytes in hex; spaces, and comments from {@code #} to the end of a line, are ignored */
    static byte[] hex(String hex) {
        StringBuilder clean = new StringBuilder();
        for (String line : hex.split("\n")) {
            int hash = line.indexOf('#');
            clean.append((hash >= 0 ? line.substring(0, hash) : line).replaceAll("\\s", ""));
        }
        return HexFormat.of().parseHex(clean.toString());
    }

    /**
     * Decodes {@code bytes} from every split point: each proper prefix must decode to null without moving the
     * position, and once the rest arrives the whole message must decode to {@code expected} and consume exactly
     * its bytes, leaving a trailing byte that follows it unread.
     */
    static <T> void assertDecodesFromEverySplitPoint(byte[] bytes, Decoder<T> decoder, T expected)
            throws SocksProtocolException {
        for (int split = 0; split < bytes.length; split++) {
            ByteBuffer buffer = ByteBuffer.allocate(bytes.length + 1);
            buffer.put(bytes, 0, split).flip();
            assertNull(decoder.decode(buffer), "prefix of " + split + " bytes decoded");
            assertEquals(0, buffer.position(), "prefix of " + split + " bytes moved the position");
            buffer.compact().put(bytes, split, bytes.length - split).put((byte) 0x7E).flip();
            assertEquals(expected, decoder.decode(buffer), "split at " + split);
            assertEquals(bytes.length, buffer.position(), "bytes consumed, split at " + split);
            assertEquals(0x7E, buffer.get(), "the byte after the message");
        }
    }

    /** Checks the encoding against the RFC bytes and decodes it back. */
    static <T> void assertWire(byte[] expectedBytes, byte[] encoded, Decoder<T> decoder, T message)
            throws SocksProtocolException {
        assertArrayEquals(expectedBytes, encoded, () -> "encoded " + HexFormat.ofDelimiter(" ").formatHex(encoded));
        assertDecodesFromEverySplitPoint(expectedBytes, decoder, message);
    }
}
