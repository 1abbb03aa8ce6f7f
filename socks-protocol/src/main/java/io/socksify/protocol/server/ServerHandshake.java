package io.socksify.protocol.server;

import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks4CommandRequest;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandStatus;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5InitialRequest;
import io.socksify.protocol.wire.Socks5InitialResponse;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The server's side of the SOCKS handshake, I/O-free (the mirror of the client's {@code SocksClientHandshake}): the
 * version octet, the SOCKS5 method selection, the selected method's sub-negotiation (a {@link ServerAuthMethod}
 * plug-in) and the request, SOCKS4 and 4a's one request. {@link #advance} decodes whole messages from the client's
 * bytes and encodes the answers; the {@link Session} moves the bytes and acts on the {@link Result}.
 */
final class ServerHandshake {
    /** What {@link #advance} came to. */
    enum Result {
        /** Needs more bytes. */
        MORE,
        /** A request was decoded: {@link #command()}, {@link #destination()}; its bytes are consumed. */
        REQUEST,
        /** Hold the authentication back {@link #waitNanos()}, then advance again. */
        WAIT,
        /**
         * GSS-API agreed to a level that encapsulates: from here on every byte both ways is wrapped
         * ({@link #protection()}); what {@code in} still holds is already wrapped.
         */
        PROTECTED,
        /** A failure answer is written ({@link #replyCode()}, -1 if it answers no request); shut and linger. */
        FAILED,
        /** Close at once without an answer ({@link #reason()}). */
        CLOSE
    }

    private enum State { VERSION, GREETING, AUTH, REQUEST, SOCKS4_REQUEST, DONE }

    private final List<ServerAuthMethod> methods;
    private final InetAddress client;
    private State state = State.VERSION;
    private ServerAuthMethod.Exchange auth;

    private SocksVersion version;
    private Socks5CommandType command;
    private SocksAddress destination;
    private String user;
    private String principal;
    private GssapiProtection protection;
    private String note;
    private long waitNanos;
    private int replyCode = -1;
    private String reason;

    /** @param methods the methods offered, in the order of preference */
    ServerHandshake(List<ServerAuthMethod> methods, InetAddress client) {
        this.methods = methods;
        this.client = client;
    }

    /**
     * Decodes as many messages as {@code in} (read mode) holds, answering into {@code out} (write mode); leaves
     * what follows the request (the first application bytes) in {@code in}.
     */
    Result advance(ByteBuffer in, ByteBuffer out) {
        try {
            while (true) {
                Result r = step(in, out);
                if (r != null) {
                    return r;
                }
            }
        } catch (SocksProtocolException e) {
            return protocolError(e, out);
        } catch (IllegalArgumentException e) {
            // The codec's records validate what they hold: a decoded field out of their range is malformed input.
            return protocolError(new SocksProtocolException(e.getMessage(), e), out);
        }
    }

    /** @return the result, or null if a message was consumed and the next may follow */
    private Result step(ByteBuffer in, ByteBuffer out) throws SocksProtocolException {
        switch (state) {
            case VERSION -> {
                if (!in.hasRemaining()) {
                    return Result.MORE;
                }
                int first = in.get(in.position()) & 0xFF;
                if (first == 5) {
                    version = SocksVersion.SOCKS5;
                    state = State.GREETING;
                } else if (first == 4) {
                    version = SocksVersion.SOCKS4;
                    state = State.SOCKS4_REQUEST;
                } else {
                    reason = "not a SOCKS request: first byte is " + SocksProtocolException.hex(first)
                            + " (expected 0x04 or 0x05)";
                    return Result.CLOSE;
                }
                return null;
            }
            case GREETING -> {
                Socks5InitialRequest greeting = Socks5InitialRequest.decode(in);
                if (greeting == null) {
                    return Result.MORE;
                }
                ServerAuthMethod method = choose(greeting.methods());
                if (method == null) {
                    new Socks5InitialResponse(Socks5AuthMethod.NO_ACCEPTABLE_METHODS).encode(out);
                    return failed(-1, "no acceptable authentication method among " + greeting.methods());
                }
                new Socks5InitialResponse(method.method()).encode(out);
                auth = method.begin(client);
                state = auth == null ? State.REQUEST : State.AUTH;
                return null;
            }
            case AUTH -> {
                int before = in.position();
                ServerAuthMethod.Outcome o = auth.step(in, out);
                if (o.user() != null) {
                    user = o.user();
                }
                if (o.principal() != null) {
                    principal = o.principal();
                }
                switch (o.kind()) {
                    case MORE -> {
                        return in.position() != before && in.hasRemaining() ? null : Result.MORE;
                    }
                    case WAIT -> {
                        waitNanos = o.waitNanos();
                        return Result.WAIT;
                    }
                    case FAILED -> {
                        return failed(-1, o.reason());
                    }
                    default -> {
                        note = o.reason();
                        state = State.REQUEST;
                        protection = o.protection();
                        if (protection != null && protection.level().encapsulates()) {
                            return Result.PROTECTED;
                        }
                        return null;
                    }
                }
            }
            case REQUEST -> {
                // An unknown ATYP cannot be decoded (the length of what follows is unknown); answer it first.
                if (in.remaining() >= 4 && (in.get(in.position()) & 0xFF) == 5
                        && (in.get(in.position() + 2) & 0xFF) == 0) {
                    int atyp = in.get(in.position() + 3) & 0xFF;
                    if (atyp != 1 && atyp != 3 && atyp != 4) {
                        command = Socks5CommandType.valueOf(in.get(in.position() + 1));
                        Socks5CommandResponse.failure(Socks5CommandStatus.ADDRESS_TYPE_NOT_SUPPORTED).encode(out);
                        return failed(Socks5CommandStatus.ADDRESS_TYPE_NOT_SUPPORTED.code(), "address type "
                                + SocksProtocolException.hex(atyp) + " not supported");
                    }
                }
                Socks5CommandRequest request = Socks5CommandRequest.decode(in);
                if (request == null) {
                    return Result.MORE;
                }
                command = request.command();
                destination = request.destination();
                state = State.DONE;
                return Result.REQUEST;
            }
            case SOCKS4_REQUEST -> {
                Socks4CommandRequest request = Socks4CommandRequest.decode(in);
                if (request == null) {
                    return Result.MORE;
                }
                user = request.userId();
                if (request.isSocks4a()) {
                    version = SocksVersion.SOCKS4A;
                }
                command = Socks5CommandType.valueOf(request.command().code());
                destination = request.destination();
                state = State.DONE;
                return Result.REQUEST;
            }
            default -> {
                return Result.MORE;
            }
        }
    }

    private ServerAuthMethod choose(List<Socks5AuthMethod> offered) {
        for (ServerAuthMethod m : methods) {
            if (offered.contains(m.method())) {
                return m;
            }
        }
        return null;
    }

    private Result protocolError(SocksProtocolException e, ByteBuffer out) {
        String why = "protocol error: " + e.getMessage();
        switch (state) {
            case GREETING -> new Socks5InitialResponse(Socks5AuthMethod.NO_ACCEPTABLE_METHODS).encode(out);
            case AUTH -> auth.refuse(out);
            case REQUEST -> {
                Socks5CommandResponse.failure(Socks5CommandStatus.GENERAL_FAILURE).encode(out);
                return failed(Socks5CommandStatus.GENERAL_FAILURE.code(), why);
            }
            case SOCKS4_REQUEST -> {
                Socks4CommandResponse.of(Socks4CommandStatus.REJECTED_OR_FAILED).encode(out);
                return failed(Socks4CommandStatus.REJECTED_OR_FAILED.code(), why);
            }
            default -> {
                reason = why;
                return Result.CLOSE;
            }
        }
        return failed(-1, why);
    }

    /** The client filled a whole buffer without completing a message: not SOCKS. */
    Result overflow(ByteBuffer out, int capacity) {
        return protocolError(new SocksProtocolException("handshake message longer than " + capacity + " bytes"), out);
    }

    private Result failed(int code, String why) {
        replyCode = code;
        reason = why;
        state = State.DONE;
        return Result.FAILED;
    }

    /** @return whether the handshake still reads messages (no request, no failure yet) */
    boolean reading() {
        return state != State.DONE;
    }

    /** @return the buffer size the current step's messages need */
    int bufferSize() {
        return state == State.AUTH ? auth.bufferSize() : Session.HANDSHAKE_BUFFER;
    }

    SocksVersion version() {
        return version;
    }

    Socks5CommandType command() {
        return command;
    }

    SocksAddress destination() {
        return destination;
    }

    /** @return the RFC 1929 user, the GSS-API principal, or the SOCKS4 {@code USERID}; null if none */
    String user() {
        return user;
    }

    /** @return the GSS-API principal, or null */
    String principal() {
        return principal;
    }

    /** @return the GSS-API protection agreed to, or null */
    GssapiProtection protection() {
        return protection;
    }

    /** @return something worth recording that did not fail the handshake (a level answered other than asked) */
    String note() {
        return note;
    }

    long waitNanos() {
        return waitNanos;
    }

    int replyCode() {
        return replyCode;
    }

    String reason() {
        return reason;
    }
}
