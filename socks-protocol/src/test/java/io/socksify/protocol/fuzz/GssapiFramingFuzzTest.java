package io.socksify.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.SocksProtocolException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The RFC 1961 framing ({@code VER MTYP LEN TOKEN}, and the two-octet abort) as both sides read it: a stream of
 * messages from a TCP connection, fed in the chunks the fuzzer chooses into a buffer of the largest message's size,
 * optionally with one expected {@code MTYP}; and one datagram that must be exactly one message
 * ({@link Socks5GssapiMessage#decodeWhole}).
 *
 * <p>Properties: a decode returns a message, returns null leaving the position, or throws
 * {@link SocksProtocolException} (nothing else); every message decoded encodes back to exactly the octets it was read
 * from; the messages decoded and the outcome do not depend on the split; a datagram decodes whole exactly when the
 * stream decoder reads one message that ends where the datagram ends.
 */
class GssapiFramingFuzzTest {
    /** {@code VER MTYP LEN} and the largest token. */
    private static final int LARGEST = 4 + Socks5GssapiMessage.MAX_TOKEN_LENGTH;

    @FuzzTest
    void framing(FuzzedDataProvider data) {
        int chunk = data.consumeInt(1, 300);
        int expected = switch (data.consumeInt(0, 4)) {
            case 0 -> Socks5GssapiMessage.MTYP_CONTEXT;
            case 1 -> Socks5GssapiMessage.MTYP_PROTECTION;
            case 2 -> Socks5GssapiMessage.MTYP_ENCAPSULATION;
            default -> -1;
        };
        byte[] input = data.consumeRemainingAsBytes();
        List<String> whole = stream(input, input.length, expected);
        List<String> split = stream(input, chunk, expected);
        if (!whole.equals(split)) {
            assertEquals(whole, split, "the messages decoded depend on the split (chunks of " + chunk + ")");
        }
        datagram(input);
    }

    /** @return each message decoded (as its hex octets) and the outcome, feeding {@code chunk} octets at a time */
    private static List<String> stream(byte[] input, int chunk, int expected) {
        List<String> out = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(LARGEST);
        int fed = 0;
        while (true) {
            int n = Math.min(chunk, Math.min(input.length - fed, buffer.remaining()));
            buffer.put(input, fed, n);
            fed += n;
            buffer.flip();
            while (true) {
                int start = buffer.position();
                Socks5GssapiMessage m;
                try {
                    m = expected < 0 ? Socks5GssapiMessage.decode(buffer)
                            : Socks5GssapiMessage.decode(buffer, expected);
                } catch (SocksProtocolException e) {
                    assertNotNull(e.getMessage());
                    out.add("refused");
                    return out;
                }
                if (m == null) {
                    assertEquals(start, buffer.position(), "an incomplete message must leave the position");
                    break;
                }
                byte[] read = Arrays.copyOfRange(buffer.array(), start, buffer.position());
                assertEquals(read.length, m.encodedLength(), "encodedLength of " + m);
                assertArrayEquals(read, m.toBytes(), "a message must encode back to the octets it was read from");
                out.add(hex(read));
            }
            buffer.compact();
            if (fed == input.length) {
                out.add(buffer.position() == 0 ? "end" : "incomplete " + buffer.position());
                return out;
            }
        }
    }

    private static void datagram(byte[] input) {
        ByteBuffer stream = ByteBuffer.wrap(input);
        boolean oneMessage;
        try {
            oneMessage = Socks5GssapiMessage.decode(stream) != null && !stream.hasRemaining();
        } catch (SocksProtocolException e) {
            oneMessage = false;
        }
        ByteBuffer in = ByteBuffer.wrap(input);
        Socks5GssapiMessage m;
        try {
            m = Socks5GssapiMessage.decodeWhole(in, "fuzzed datagram");
        } catch (SocksProtocolException e) {
            assertNotNull(e.getMessage());
            assertEquals(false, oneMessage, "decodeWhole refused one whole message: " + e.getMessage());
            return;
        }
        assertEquals(true, oneMessage, "decodeWhole accepted what is not exactly one message");
        assertArrayEquals(input, m.toBytes());
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) {
            s.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return s.toString();
    }
}
