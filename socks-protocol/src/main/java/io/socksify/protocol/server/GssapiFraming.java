package io.socksify.protocol.server;

import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks5GssapiAbort;
import io.socksify.protocol.wire.Socks5GssapiEncapsulation;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * RFC 1961 section 5 on a non-blocking client connection: after GSS-API agreed to integrity or confidentiality,
 * every byte to and from the client travels in {@code MTYP} 3 messages. {@link #read} reassembles the client's
 * messages into plain bytes (message boundaries carry no meaning), {@link #write} cuts plain bytes into chunks of
 * at most {@link GssapiProtection#maxChunk()} and wraps each. The session's buffers stay plain; this object holds
 * one message's raw bytes each way (and the unwrapped rest of one message the session had no room for).
 */
final class GssapiFraming {
    private static final int MESSAGE = 4 + Socks5GssapiMessage.MAX_TOKEN_LENGTH;

    private final SocketChannel channel;
    private final GssapiProtection protection;
    /** Raw bytes from the client (write mode). */
    private final ByteBuffer in = ByteBuffer.allocate(MESSAGE);
    /** Wrapped bytes to the client (write mode): room for one message more than one that is still going out. */
    private final ByteBuffer out = ByteBuffer.allocate(2 * MESSAGE);
    private byte[] plain = new byte[0];
    private int plainPosition;
    private boolean eof;

    /**
     * @param pendingIn  raw bytes read already (read mode): the start of the client's first wrapped message
     * @param pendingOut raw bytes not yet sent (read mode): the last handshake answer, sent as it is
     */
    GssapiFraming(SocketChannel channel, GssapiProtection protection, ByteBuffer pendingIn, ByteBuffer pendingOut) {
        this.channel = channel;
        this.protection = protection;
        in.put(pendingIn);
        out.put(pendingOut);
    }

    GssapiProtection protection() {
        return protection;
    }

    /**
     * Reads plain bytes into {@code dst} (write mode): first what a message unwrapped already holds, then whole
     * messages from what was read, then from the channel while it has bytes.
     *
     * @return the plain bytes put, or -1 at the client's end of stream with nothing left
     * @throws SocksProtocolException for a message that is not {@code MTYP} 3 or does not verify, or an abort
     * @throws EOFException           for an end of stream inside a message
     */
    int read(ByteBuffer dst) throws IOException {
        return read(dst, true);
    }

    /**
     * Like {@link #read} without reading the channel: only what was read off it already (bounded by this object's
     * buffers, so a caller may loop on it until {@link #hasBufferedInput} is false without a fast client keeping it
     * busy).
     *
     * @return the plain bytes put, or -1 if the client's end of stream was read and nothing is left
     */
    int readBuffered(ByteBuffer dst) throws IOException {
        return read(dst, false);
    }

    private int read(ByteBuffer dst, boolean fromChannel) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            if (plainPosition < plain.length) {
                int n = Math.min(dst.remaining(), plain.length - plainPosition);
                dst.put(plain, plainPosition, n);
                plainPosition += n;
                total += n;
                continue;
            }
            if (nextMessage()) {
                continue;
            }
            if (eof || !fromChannel) {
                break;
            }
            int n = channel.read(in);
            if (n < 0) {
                eof = true;
                if (in.position() > 0) {
                    throw new EOFException("the client's connection ended inside an RFC 1961 MTYP 3 message ("
                            + in.position() + " octets of it)");
                }
                break;
            }
            if (n == 0) {
                break;
            }
        }
        return total == 0 && eof && !hasBufferedInput() ? -1 : total;
    }

    private boolean nextMessage() throws IOException {
        in.flip();
        Socks5GssapiMessage m;
        try {
            m = Socks5GssapiMessage.decode(in, Socks5GssapiMessage.MTYP_ENCAPSULATION);
        } finally {
            in.compact();
        }
        if (m == null) {
            return false;
        }
        if (m instanceof Socks5GssapiAbort) {
            throw new SocksProtocolException("GSS-API: the client sent the RFC 1961 abort");
        }
        plain = protection.unwrap((Socks5GssapiEncapsulation) m);
        plainPosition = 0;
        return true;
    }

    /**
     * @return whether the client's end of stream was read off the channel and nothing is left before it: the next
     *         read returns -1 without a readiness event
     */
    boolean atEnd() {
        return eof && !hasBufferedInput();
    }

    /** @return whether plain bytes, or a whole message, wait without reading the channel */
    boolean hasBufferedInput() {
        if (plainPosition < plain.length) {
            return true;
        }
        if (in.position() < 4) {
            return false;
        }
        int len = ((in.get(2) & 0xFF) << 8) | (in.get(3) & 0xFF);
        return in.position() >= 4 + len;
    }

    /**
     * Wraps what {@code src} (read mode) holds, chunk by chunk while there is room for a message, and sends what it
     * can.
     */
    void write(ByteBuffer src) throws IOException {
        flush();
        while (src.hasRemaining() && out.remaining() >= MESSAGE) {
            int n = Math.min(src.remaining(), protection.maxChunk());
            byte[] chunk = new byte[n];
            src.get(chunk);
            protection.wrap(chunk, 0, n).encode(out);
            flush();
        }
    }

    private void flush() throws IOException {
        if (out.position() > 0) {
            out.flip();
            try {
                channel.write(out);
            } finally {
                out.compact();
            }
        }
    }

    /** @return whether wrapped bytes wait to be sent */
    boolean hasPendingOutput() {
        return out.position() > 0;
    }
}
