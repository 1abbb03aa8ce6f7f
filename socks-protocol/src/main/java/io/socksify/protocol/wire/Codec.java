package io.socksify.protocol.wire;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The decoding discipline every message shares: a decoder reads with relative gets; if the buffer runs out it
 * returns null with the position unchanged, so a caller can append bytes and try again (TCP has no message
 * boundaries). Malformed bytes throw as soon as they are seen, even before the message is complete.
 */
final class Codec {
    private Codec() {
    }

    interface Reader<T> {
        T read(ByteBuffer in) throws SocksProtocolException;
    }

    static <T> T decode(ByteBuffer in, Reader<T> reader) throws SocksProtocolException {
        if (!in.hasRemaining()) {
            // No message is empty. The common case, a server trying the request right after the greeting (once
            // per session), then costs no exception and no stack trace.
            return null;
        }
        int start = in.position();
        try {
            T message = reader.read(in);
            if (message == null) {
                in.position(start);
            }
            return message;
        } catch (BufferUnderflowException e) {
            in.position(start);
            return null;
        } catch (SocksProtocolException e) {
            in.position(start);
            throw e;
        } catch (IllegalArgumentException e) {
            // A field the message's own checks refuse (e.g. a user id that is over 255 octets once its invalid
            // UTF-8 is replaced): the peer's bytes are at fault, so it is a protocol error, not a bug.
            in.position(start);
            throw new SocksProtocolException(e.getMessage(), e);
        }
    }

    static void expect(String context, String field, int actual, int expected) throws SocksProtocolException {
        if ((actual & 0xFF) != expected) {
            throw SocksProtocolException.unexpected(context, field, actual, SocksProtocolException.hex(expected));
        }
    }

    static SocksAddress address(ByteBuffer in, String context) throws SocksProtocolException {
        SocksAddress address = SocksAddress.decode(in, context);
        if (address == null) {
            throw new BufferUnderflowException();
        }
        return address;
    }

    /** Reads a NUL-terminated string of at most {@code max} octets (NUL excluded). */
    static String nulTerminated(ByteBuffer in, int max, String context, String field) throws SocksProtocolException {
        return nulTerminated(in, max, context, field, StandardCharsets.ISO_8859_1);
    }

    static String nulTerminated(ByteBuffer in, int max, String context, String field, java.nio.charset.Charset charset)
            throws SocksProtocolException {
        int start = in.position();
        for (int i = 0; ; i++) {
            byte b = in.get();
            if (b == 0) {
                byte[] bytes = new byte[i];
                in.get(start, bytes);
                return new String(bytes, charset);
            }
            if (i >= max) {
                throw new SocksProtocolException(context + ": " + field + " is longer than " + max
                        + " octets without a terminating NUL");
            }
        }
    }

    /** Checks a length-prefixed field's size for encoding. */
    static byte[] lengthPrefixed(String field, String value, int min) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < min || bytes.length > 255) {
            throw new IllegalArgumentException(field + ": " + bytes.length + " octets (expected: " + min + "..255)");
        }
        return bytes;
    }

    static byte[] toBytes(int length, java.util.function.Consumer<ByteBuffer> encoder) {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        encoder.accept(buffer);
        return buffer.array();
    }
}
