package io.socksify.protocol.server;

import io.socksify.protocol.client.GssapiMechanism;
import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5GssapiAbort;
import io.socksify.protocol.wire.Socks5GssapiContextToken;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.Socks5GssapiProtection;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The GSS-API method (RFC 1961) as an acceptor: context establishment ({@code MTYP} 1), then the protection level
 * ({@code MTYP} 2). Kerberos is reached only through {@link GssapiMechanism} (JDK types), as on the client side.
 *
 * <pre>
 *   client                                     server
 *   01 01 LEN gss_init_sec_context token --&gt;
 *                            &lt;-- 01 01 LEN gss_accept_sec_context token (one answer per token, empty once
 *                                established, as Dante does)
 *   01 02 LEN gss_wrap(level, conf off) --&gt;        (NEC: the bare level octet, if allowed)
 *                            &lt;-- 01 02 LEN gss_wrap(level)  (NEC: bare)
 * </pre>
 *
 * A failure answers with the RFC 1961 abort ({@code 01 FF}).
 */
final class GssapiAuthMethod implements ServerAuthMethod {
    /** One message of the largest token, and the header. */
    static final int BUFFER = 4 + Socks5GssapiMessage.MAX_TOKEN_LENGTH;

    /** The most context tokens one client may send: Kerberos V5 takes one (two with an error token). */
    static final int MAX_ROUNDS = 4;

    private final GssapiAcceptor acceptor;
    private final AuthThrottle throttle;

    GssapiAuthMethod(GssapiAcceptor acceptor) {
        this(acceptor, new AuthThrottle());
    }

    /** @param throttle failed context establishments count per client address like failed passwords */
    GssapiAuthMethod(GssapiAcceptor acceptor, AuthThrottle throttle) {
        this.acceptor = acceptor;
        this.throttle = throttle;
    }

    @Override
    public Socks5AuthMethod method() {
        return Socks5AuthMethod.GSSAPI;
    }

    @Override
    public Exchange begin(InetAddress client) {
        return new Exchange() {
            private GssapiMechanism.Context context;
            private String principal;
            private int rounds;
            /** The first context token, held back by the throttle; accepted on the next step. */
            private Socks5GssapiMessage pending;
            /** The input buffer the message being received needs: its declared length once its header is in. */
            private int needed = Session.HANDSHAKE_BUFFER;

            /** Notes the size of a message whose header {@code in} holds but not yet all of its token. */
            private Outcome more(ByteBuffer in) {
                if (in.remaining() >= 4) {
                    int p = in.position();
                    int len = ((in.get(p + 2) & 0xFF) << 8) | (in.get(p + 3) & 0xFF);
                    needed = Math.max(Session.HANDSHAKE_BUFFER, 4 + len);
                }
                return Outcome.MORE;
            }

            @Override
            public Outcome step(ByteBuffer in, ByteBuffer out) throws SocksProtocolException {
                return principal == null ? contextToken(in, out) : level(in, out);
            }

            private Outcome contextToken(ByteBuffer in, ByteBuffer out) throws SocksProtocolException {
                Socks5GssapiMessage m = pending;
                pending = null;
                if (m == null) {
                    m = Socks5GssapiMessage.decode(in, Socks5GssapiMessage.MTYP_CONTEXT);
                    if (m == null) {
                        return more(in);
                    }
                    needed = Session.HANDSHAKE_BUFFER;
                    if (m instanceof Socks5GssapiAbort) {
                        return Outcome.failed("GSS-API: the client sent the RFC 1961 abort during context "
                                + "establishment");
                    }
                    if (++rounds > MAX_ROUNDS) {
                        return abort(out, "GSS-API: the client sent more than " + MAX_ROUNDS
                                + " context tokens without establishing a context");
                    }
                    if (rounds == 1) {
                        AuthThrottle.Admission admission = throttle.admit(client, System.nanoTime());
                        if (admission.refused()) {
                            refuse(out);
                            return Outcome.failed("GSS-API: refused unchecked: too many failures from this "
                                    + "address (throttled)");
                        }
                        if (admission.waitNanos() > 0) {
                            pending = m;
                            return Outcome.waitFor(admission.waitNanos());
                        }
                    }
                }
                try {
                    if (context == null) {
                        context = acceptor.newContext();
                    }
                    byte[] answer = context.acceptSecContext(((Socks5GssapiContextToken) m).token());
                    if (4 + answer.length > out.remaining()) {
                        // The answer buffer stays small per unauthenticated connection; a Kerberos AP-REP is
                        // far shorter than it.
                        return abort(out, "GSS-API: the server's context token of " + answer.length
                                + " octets does not fit its " + out.remaining() + "-octet handshake buffer");
                    }
                    new Socks5GssapiContextToken(answer).encode(out);
                    if (context.isEstablished()) {
                        principal = context.peerName();
                    }
                } catch (GssapiMechanism.Failure e) {
                    boolean readable = java.nio.file.Files.isReadable(acceptor.keytab());
                    return abort(out, "GSS-API context establishment failed" + (!readable ? " (the server's keytab "
                            + acceptor.keytab() + " does not exist or cannot be read)"
                            : e.kind() == GssapiMechanism.Failure.Kind.CONTEXT ? ""
                            : " (the server's keytab " + acceptor.keytab() + ")") + ": " + e.getMessage());
                } catch (IOException e) {
                    return abort(out, "GSS-API: " + e.getMessage());
                }
                return Outcome.MORE;
            }

            private Outcome level(ByteBuffer in, ByteBuffer out) throws SocksProtocolException {
                Socks5GssapiMessage m = Socks5GssapiMessage.decode(in, Socks5GssapiMessage.MTYP_PROTECTION);
                if (m == null) {
                    return more(in);
                }
                needed = Session.HANDSHAKE_BUFFER;
                if (m instanceof Socks5GssapiAbort) {
                    return failed("GSS-API: the client sent the RFC 1961 abort during the protection-level "
                            + "sub-negotiation");
                }
                byte[] token = ((Socks5GssapiProtection) m).token();
                boolean bare = token.length == 1;
                if (bare && !acceptor.nec()) {
                    return abort(out, "GSS-API: the client sent its protection level unwrapped (NEC), which this "
                            + "server does not accept");
                }
                try {
                    // The same checks as every later token: it verifies and is in sequence.
                    byte[] level = bare ? token : GssapiProtection.unwrapSubNegotiation(context, token, "client");
                    if (level.length != 1) {
                        return abort(out, "GSS-API: the client's protection level has " + level.length
                                + " octets (expected 1)");
                    }
                    Socks5GssapiProtectionLevel asked = Socks5GssapiProtectionLevel.valueOf(level[0]);
                    Socks5GssapiProtectionLevel answer = acceptor.answer(asked);
                    // Before answering: a context without replay/sequence detection (the client did not ask for
                    // them) or integrity cannot carry a level that encapsulates; abort instead.
                    GssapiProtection protection = GssapiProtection.of(context, answer);
                    byte[] code = {(byte) answer.code()};
                    // RFC 1961 section 4.3: the answer is protected for integrity only, at every level.
                    new Socks5GssapiProtection(bare ? code : context.wrap(code, 0, 1, false)).encode(out);
                    return new Outcome(Kind.DONE, principal, principal, protection, 0, answer.equals(asked) ? null
                            : "GSS-API: the client asked for level " + asked + ", not allowed (allowed: "
                                    + acceptor.levels().toString().toLowerCase(java.util.Locale.ROOT)
                                    + "); answered " + answer);
                } catch (GssapiMechanism.Failure e) {
                    return abort(out, "GSS-API protection-level sub-negotiation failed: " + e.getMessage());
                } catch (SocksProtocolException e) {
                    return abort(out, e.getMessage());
                } catch (IOException e) {
                    return abort(out, "GSS-API protection-level sub-negotiation failed: " + e.getMessage());
                }
            }

            private Outcome failed(String reason) {
                return new Outcome(Kind.FAILED, principal, principal, null, 0, reason);
            }

            /** A failure of the client's: answered with the abort, counted by the throttle. */
            private Outcome abort(ByteBuffer out, String reason) {
                refuse(out);
                throttle.failed(client, System.nanoTime());
                return failed(reason);
            }

            @Override
            public void refuse(ByteBuffer out) {
                Socks5GssapiAbort.INSTANCE.encode(out);
            }

            /** @return what the message being received needs (at most {@link #BUFFER}), not the largest one */
            @Override
            public int bufferSize() {
                return needed;
            }
        };
    }
}
