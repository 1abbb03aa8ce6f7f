package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5GssapiEncapsulation;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import io.socksify.protocol.client.GssapiMechanism.Failure;
import io.socksify.protocol.client.jgss.JgssMechanism;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSException;

/**
 * The established GSS-API context of a SOCKS5 connection and the protection level the proxy agreed to: what a data
 * path needs to wrap and unwrap (RFC 1961 section 5).
 *
 * <p>At {@link Socks5GssapiProtectionLevel#INTEGRITY} and {@link Socks5GssapiProtectionLevel#CONFIDENTIALITY} every
 * byte after the handshake travels in {@code MTYP} 3 messages, each one {@code gss_wrap} token:
 * <ul>
 *   <li>TCP is a stream: {@link #outputStream} cuts what is written into chunks of at most {@link #maxChunk()}
 *       octets (the context's wrap size limit for a 65,535-octet token), {@link #inputStream} reassembles, because
 *       message boundaries carry no meaning (Dante sends one message per read from the target);</li>
 *   <li>UDP: one datagram is one token ({@link #wrapDatagram}, {@link #unwrapDatagram}).</li>
 * </ul>
 * At {@link Socks5GssapiProtectionLevel#CLEAR} (Dante's extension) the streams are passed through unchanged.
 *
 * <p>Per-message tokens carry sequence numbers (RFC 4121), so wrapping happens in wire order on one side and
 * unwrapping in wire order on the other; one thread may send while another receives (the two directions lock
 * separately), but two senders must not share one output stream.
 */
public final class GssapiProtection {
    private final GssapiMechanism.Context context;
    private final Socks5GssapiProtectionLevel level;
    private final int maxChunk;
    private final String peer;
    private final Object wrapLock = new Object();
    private final Object unwrapLock = new Object();

    /**
     * The protection of an established context at an agreed level: for the client after its sub-negotiation, and for
     * an acceptor (a server) after its own.
     *
     * @throws GSSException if the context cannot say its wrap size limit
     */
    public static GssapiProtection of(GSSContext established, Socks5GssapiProtectionLevel level)
            throws GSSException {
        if (!established.isEstablished()) {
            throw new IllegalArgumentException("the GSS-API context is not established");
        }
        try {
            return new GssapiProtection(JgssMechanism.context(established), level);
        } catch (Failure e) {
            throw e.getCause() instanceof GSSException g ? g
                    : new GSSException(GSSException.FAILURE, 0, e.getMessage());
        }
    }

    /**
     * The protection of an established context of {@link GssapiMechanism} at an agreed level; for an acceptor (socks-protocol's
     * embedded server), which reaches Kerberos only through that interface.
     */
    public static GssapiProtection of(GssapiMechanism.Context established, Socks5GssapiProtectionLevel level)
            throws Failure {
        return new GssapiProtection(established, level, "client");
    }

    GssapiProtection(GssapiMechanism.Context context, Socks5GssapiProtectionLevel level) throws Failure {
        this(context, level, "proxy");
    }

    /**
     * @param peer who sends what this side unwraps, for messages: "proxy" on the client, "client" on a server
     * @throws Failure if the level encapsulates and the context lacks a state it needs ({@link #requireStates})
     */
    GssapiProtection(GssapiMechanism.Context context, Socks5GssapiProtectionLevel level, String peer)
            throws Failure {
        this.context = Objects.requireNonNull(context, "context");
        this.level = Objects.requireNonNull(level, "level");
        this.peer = Objects.requireNonNull(peer, "peer");
        if (level.encapsulates()) {
            requireStates(context, level, peer);
        }
        this.maxChunk = level.encapsulates()
                ? context.wrapSizeLimit(level.confidential(), Socks5GssapiMessage.MAX_TOKEN_LENGTH) : 0;
        if (level.encapsulates() && maxChunk <= 0) {
            throw new Failure(Failure.Kind.CONTEXT, "the context cannot wrap any octet into "
                    + Socks5GssapiMessage.MAX_TOKEN_LENGTH + " octets", null);
        }
    }

    /**
     * Refuses an established context that cannot give {@code level} what it promises: integrity, confidentiality at
     * level confidentiality, and replay and sequence detection, without which JGSS never reports a replayed or
     * reordered token and the checks of {@link #unwrap} would pass for any token. An acceptor's detection states are
     * the ones the initiator asked for in its first token, so a client that asks for none must not get a level that
     * encapsulates.
     *
     * @param peer the other side, for the message ("client" on a server, "proxy" on the client)
     */
    public static void requireStates(GssapiMechanism.Context context, Socks5GssapiProtectionLevel level, String peer)
            throws Failure {
        String missing = (!context.integrity() ? " integrity" : "")
                + (level.confidential() && !context.confidentiality() ? " confidentiality" : "")
                + (!context.replayDetection() ? " replay-detection" : "")
                + (!context.sequenceDetection() ? " sequence-detection" : "");
        if (!missing.isEmpty()) {
            throw new Failure(Failure.Kind.CONTEXT, "the security context established with the " + peer
                    + " lacks" + missing + ", which level " + level + " needs (RFC 1961 section 5: the " + peer
                    + " must request them)", null);
        }
    }

    /**
     * Unwraps one token of the protection-level sub-negotiation ({@code MTYP} 2) with the same checks as a TCP
     * {@code MTYP} 3 token: it must verify and be in sequence.
     *
     * @param peer the sender, for the message ("client" on a server, "proxy" on the client)
     */
    public static byte[] unwrapSubNegotiation(GssapiMechanism.Context context, byte[] token, String peer)
            throws IOException {
        GssapiMechanism.Unwrapped unwrapped;
        try {
            unwrapped = context.unwrap(token, 0, token.length);
        } catch (Failure e) {
            throw new SocksProtocolException("GSS-API: the " + peer + "'s protection-level token of " + token.length
                    + " octets does not unwrap: " + e.getMessage(), e.getCause());
        }
        return checked(unwrapped, true, false, peer, "MTYP 2");
    }

    /** The one check of a received token's supplementary status and privacy; @return its plain octets */
    private static byte[] checked(GssapiMechanism.Unwrapped unwrapped, boolean stream, boolean confidential,
            String peer, String what) throws SocksProtocolException {
        if (unwrapped.duplicate() || unwrapped.old()
                || stream && (unwrapped.unsequenced() || unwrapped.gap())) {
            throw new SocksProtocolException("GSS-API: the " + peer + " sent an " + what + " token out of sequence ("
                    + unwrapped.states().strip() + ")" + (stream ? " on a TCP connection" : "; datagram dropped"));
        }
        if (confidential && !unwrapped.confidential()) {
            throw new SocksProtocolException("GSS-API: the " + peer + " sent an " + what
                    + " token without confidentiality");
        }
        return unwrapped.plain();
    }

    /** @return the level the proxy agreed to */
    public Socks5GssapiProtectionLevel level() {
        return level;
    }

    /** @return the most plain octets one {@code MTYP} 3 message carries; 0 at level clear */
    public int maxChunk() {
        return maxChunk;
    }

    /**
     * Wraps {@code len} octets into one {@code MTYP} 3 message.
     *
     * @throws IllegalArgumentException if {@code len} is over {@link #maxChunk()}
     */
    public Socks5GssapiEncapsulation wrap(byte[] plain, int off, int len) throws IOException {
        requireEncapsulating();
        if (len > maxChunk) {
            throw new IllegalArgumentException("len: " + len + " (expected: at most maxChunk() = " + maxChunk + ")");
        }
        synchronized (wrapLock) {
            try {
                return new Socks5GssapiEncapsulation(context.wrap(plain, off, len, level.confidential()));
            } catch (Failure e) {
                throw new IOException("GSS-API: cannot wrap " + len + " octets at level " + level + ": "
                        + e.getMessage(), e.getCause());
            }
        }
    }

    /**
     * Unwraps one {@code MTYP} 3 message.
     *
     * @throws SocksProtocolException if the token does not verify, is out of sequence (replayed, old, reordered, or
     *                                with tokens missing before it), or at level confidentiality was not encrypted
     */
    public byte[] unwrap(Socks5GssapiEncapsulation message) throws IOException {
        return unwrap(message, true);
    }

    /**
     * @param stream TCP: any token out of sequence (replayed, old, reordered, or with tokens missing before it) is
     *               refused; UDP ({@code false}): a replayed or old datagram is refused, a gap or reordering is
     *               what datagrams do
     */
    private byte[] unwrap(Socks5GssapiEncapsulation message, boolean stream) throws IOException {
        requireEncapsulating();
        byte[] token = message.token();
        GssapiMechanism.Unwrapped unwrapped;
        synchronized (unwrapLock) {
            try {
                unwrapped = context.unwrap(token, 0, token.length);
            } catch (Failure e) {
                throw new SocksProtocolException("GSS-API: an RFC 1961 MTYP 3 token of " + token.length
                        + " octets from the " + peer + " does not unwrap: " + e.getMessage(), e.getCause());
            }
        }
        return checked(unwrapped, stream, level.confidential(), peer, "MTYP 3");
    }

    /**
     * @param maxDatagram the most octets one UDP datagram may have (65,507 over IPv4)
     * @return the most plain octets (SOCKS5 UDP header and payload) one datagram of at most {@code maxDatagram}
     *         octets carries as one {@code MTYP} 3 message: its 4-octet header, then one token
     * @throws IOException if the context cannot say its wrap size limit
     */
    public int maxDatagramPlain(int maxDatagram) throws IOException {
        requireEncapsulating();
        int token = Math.min(maxDatagram - 4, Socks5GssapiMessage.MAX_TOKEN_LENGTH);
        try {
            return Math.max(0, context.wrapSizeLimit(level.confidential(), token));
        } catch (Failure e) {
            throw new IOException("GSS-API: no wrap size limit for a " + token + "-octet token at level " + level
                    + ": " + e.getMessage(), e.getCause());
        }
    }

    /** One UDP datagram's payload as one {@code MTYP} 3 message. */
    public byte[] wrapDatagram(byte[] payload) throws IOException {
        return wrap(payload, 0, payload.length).toBytes();
    }

    /**
     * @throws SocksProtocolException unless {@code datagram} is exactly one {@code MTYP} 3 message that verifies and
     *                                was not seen before (a replayed or too old datagram is to be dropped)
     */
    public byte[] unwrapDatagram(ByteBuffer datagram) throws IOException {
        Socks5GssapiMessage m = Socks5GssapiMessage.decodeWhole(datagram, "GSS-API UDP datagram");
        if (!(m instanceof Socks5GssapiEncapsulation e)) {
            throw new SocksProtocolException("GSS-API UDP datagram: " + m + " (expected an MTYP 3 message)");
        }
        return unwrap(e, false);
    }

    /** @return a stream that wraps what is written, chunked; {@code raw} itself at level clear */
    public OutputStream outputStream(OutputStream raw) {
        if (!level.encapsulates()) {
            return raw;
        }
        return new FilterOutputStream(raw) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                while (len > 0) {
                    int n = Math.min(len, maxChunk);
                    out.write(wrap(b, off, n).toBytes());
                    off += n;
                    len -= n;
                }
            }
        };
    }

    /**
     * @return a stream of the unwrapped octets of the {@code MTYP} 3 messages read from {@code raw}, reassembled;
     *         {@code raw} itself at level clear. End of stream inside a message, or an abort, is an error.
     */
    public InputStream inputStream(InputStream raw) {
        if (!level.encapsulates()) {
            return raw;
        }
        return new InputStream() {
            private byte[] plain = new byte[0];
            private int position;
            private boolean eof;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                while (position == plain.length) {
                    if (eof || !next()) {
                        return -1;
                    }
                }
                int n = Math.min(len, plain.length - position);
                System.arraycopy(plain, position, b, off, n);
                position += n;
                return n;
            }

            @Override
            public int available() {
                return plain.length - position;
            }

            private boolean next() throws IOException {
                byte[] header = new byte[4];
                int first = raw.read(header, 0, 1);
                if (first < 0) {
                    eof = true;
                    return false;
                }
                readFully(header, 1, 1);
                if ((header[0] & 0xFF) == Socks5GssapiMessage.VERSION
                        && (header[1] & 0xFF) == Socks5GssapiMessage.MTYP_ABORT) {
                    throw new SocksProtocolException("GSS-API: the " + peer + " sent the RFC 1961 abort message");
                }
                Socks5GssapiMessage.decode(ByteBuffer.wrap(header, 0, 2), Socks5GssapiMessage.MTYP_ENCAPSULATION);
                readFully(header, 2, 2);
                int len = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
                byte[] token = new byte[len];
                readFully(token, 0, len);
                plain = unwrap(new Socks5GssapiEncapsulation(token));
                position = 0;
                return true;
            }

            private void readFully(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int n = raw.read(b, off, len);
                    if (n < 0) {
                        throw new EOFException("GSS-API: the connection ended inside an RFC 1961 MTYP 3 message");
                    }
                    off += n;
                    len -= n;
                }
            }

            @Override
            public void close() throws IOException {
                raw.close();
            }
        };
    }

    private void requireEncapsulating() {
        if (!level.encapsulates()) {
            throw new IllegalStateException("level " + level + " wraps nothing");
        }
    }

    @Override
    public String toString() {
        return "GssapiProtection[" + level + ", maxChunk " + maxChunk + "]";
    }
}
