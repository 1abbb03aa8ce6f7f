package io.socksify.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.wire.Socks4CommandRequest;
import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5InitialRequest;
import io.socksify.protocol.wire.Socks5PasswordAuthRequest;
import io.socksify.protocol.wire.SocksProtocolException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's handshake parsing, every version and command, under any split of the input: the decoders in the
 * order {@code Session} runs them (version byte, then SOCKS5 greeting, RFC 1929 sub-negotiation and request, or a
 * SOCKS4/4a request), fed the bytes in the chunks the fuzzer chooses, into a buffer of the server's handshake size.
 *
 * <p>Properties: a decoder either returns a message, returns null leaving the buffer's position where it was, or
 * throws {@link SocksProtocolException} (nothing else: an {@code IllegalArgumentException} or
 * {@code IndexOutOfBoundsException} would take the session down as a bug); the messages decoded do not depend on how
 * the input was split; whatever a client chose renders on one line.
 *
 * <p>{@code Session} itself is bound to its {@code SocketChannel}; once issue 11 makes the handshake I/O-free this
 * target drives that directly. Until then the real server's handling of the same inputs is covered by
 * {@code SocksServerBadInputTest} (malformed, split and slow handshakes against a real server on loopback).
 */
class ServerHandshakeFuzzTest {
    /** {@code Session.HANDSHAKE_BUFFER}. */
    private static final int BUFFER = 1024;
    // The states of Session's handshake, as ints: string switches would cost the fuzzer's string hooks.
    private static final int VERSION = 0;
    private static final int GREETING = 1;
    private static final int AUTH = 2;
    private static final int REQUEST = 3;
    private static final int SOCKS4 = 4;
    private static final int DONE = 5;

    @FuzzTest
    void handshake(FuzzedDataProvider data) {
        int chunk = data.consumeInt(1, 64);
        boolean password = data.consumeBoolean();
        byte[] input = data.consumeRemainingAsBytes();
        List<String> whole = parse(input, input.length, password);
        List<String> split = parse(input, chunk, password);
        if (!whole.equals(split)) {
            assertEquals(whole, split, "the messages decoded depend on the split (chunks of " + chunk + ")");
        }
    }

    /** @return the messages decoded (as text) and the outcome, feeding {@code chunk} bytes at a time */
    private static List<String> parse(byte[] input, int chunk, boolean password) {
        List<String> out = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        int state = VERSION;
        int offset = 0;
        try {
            while (true) {
                int n = Math.min(Math.min(chunk, input.length - offset), buffer.remaining());
                buffer.put(input, offset, n);
                offset += n;
                buffer.flip();
                boolean progress = true;
                while (progress && state != DONE) {
                    int before = buffer.position();
                    Object message = null;
                    switch (state) {
                        case VERSION -> {
                            if (!buffer.hasRemaining()) {
                                progress = false;
                                continue;
                            }
                            int v = buffer.get(buffer.position()) & 0xFF;
                            if (v != 4 && v != 5) {
                                out.add("not SOCKS");
                                return out;
                            }
                            state = v == 5 ? GREETING : SOCKS4;
                            continue;
                        }
                        case GREETING -> message = Socks5InitialRequest.decode(buffer);
                        case AUTH -> message = Socks5PasswordAuthRequest.decode(buffer);
                        case REQUEST -> message = Socks5CommandRequest.decode(buffer);
                        case SOCKS4 -> message = Socks4CommandRequest.decode(buffer);
                        default -> throw new AssertionError(state);
                    }
                    if (message == null) {
                        if (before != buffer.position()) {
                            throw new AssertionError("state " + state + ": null must leave the position");
                        }
                        progress = false;
                        continue;
                    }
                    out.add(render(message));
                    state = switch (state) {
                        case GREETING -> password ? AUTH : REQUEST;
                        case AUTH -> REQUEST;
                        default -> DONE;
                    };
                }
                buffer.compact();
                if (state == DONE) {
                    out.add("done, " + (input.length - offset + buffer.position()) + " bytes follow");
                    return out;
                }
                if (!buffer.hasRemaining()) {
                    out.add("longer than the buffer");
                    return out;
                }
                if (offset == input.length) {
                    out.add("incomplete in " + state);
                    return out;
                }
            }
        } catch (SocksProtocolException e) {
            out.add("protocol error in " + state + ": " + e.getMessage());
            return out;
        }
    }

    private static String render(Object message) {
        String text;
        if (message instanceof Socks5PasswordAuthRequest auth) {
            text = "auth " + Printable.field(auth.username()) + " " + Printable.field(auth.password());
        } else if (message instanceof Socks4CommandRequest r) {
            text = r.command() + " " + r.destination() + " " + Printable.field(r.userId());
        } else if (message instanceof Socks5CommandRequest r) {
            text = r.command() + " " + r.destination();
        } else {
            text = message.toString();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < ' ' || c >= 0x7F) {
                throw new AssertionError("rendered with a raw " + Integer.toHexString(c) + ": " + text);
            }
        }
        return text;
    }
}
