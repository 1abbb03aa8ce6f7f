package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5GssapiAbort;
import io.socksify.protocol.wire.Socks5GssapiContextToken;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.Socks5GssapiProtection;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;

import io.socksify.protocol.client.GssapiMechanism.Failure;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The GSS-API method (RFC 1961) with Kerberos V5 through JGSS: context establishment ({@code MTYP} 1), then the
 * protection-level sub-negotiation ({@code MTYP} 2).
 *
 * <pre>
 *   client                                     proxy
 *   01 01 LEN gss_init_sec_context token --&gt;
 *                            &lt;-- 01 01 LEN token (one reply per token sent; empty once established)
 *   ... until the context is established and every token sent has its reply
 *   01 02 LEN gss_wrap(level, conf off) --&gt;        (NEC: the bare level octet)
 *                            &lt;-- 01 02 LEN gss_wrap(level)
 * </pre>
 *
 * JGSS talks to the KDC (for a service ticket) inside {@code initSecContext}: that is the one I/O this machine
 * causes, and it is not on the proxy connection. Kerberos itself is behind {@link GssapiMechanism} (JDK types only),
 * so this class links wherever socks-protocol does, the boot class path included.
 */
final class GssapiAuthenticator implements Socks5Authenticator {
    private enum Step { CONTEXT, LEVEL, DONE }

    private final String context;
    private final GssapiOptions options;
    private final String serviceName;
    private GssapiMechanism.Context gss;
    private Step step = Step.CONTEXT;
    private GssapiProtection protection;

    GssapiAuthenticator(String context, GssapiOptions options, String proxyHost) {
        this.context = context;
        this.options = options;
        this.serviceName = options.service() + "@" + proxyHost;
    }

    @Override
    public Socks5AuthMethod method() {
        return Socks5AuthMethod.GSSAPI;
    }

    @Override
    public byte[] start() throws IOException {
        enterKdcScope();
        try {
            return initiate();
        } finally {
            exitKdcScope();
        }
    }

    /** Around the calls that may talk to the KDC ({@link GssapiOptions.KdcScope}). */
    private void enterKdcScope() {
        if (options.kdcScope() != null) {
            options.kdcScope().enter();
        }
    }

    private void exitKdcScope() {
        if (options.kdcScope() != null) {
            options.kdcScope().exit();
        }
    }

    /** The login (if not done yet), the context, and its first token (a TGS exchange if no service ticket yet). */
    private byte[] initiate() throws IOException {
        try {
            gss = options.mechanism().initiate(options, serviceName, options.level().confidential());
        } catch (Failure e) {
            throw switch (e.kind()) {
                case LOGIN -> SocksFailures.gssapiNoCredentials(context, "no usable Kerberos credentials for "
                        + (options.principal() == null ? "the default principal" : options.principal()) + ": "
                        + options.whatIsMissing() + " (" + e.getMessage() + ")", e.getCause());
                case EXPIRED -> SocksFailures.gssapiNoCredentials(context, "the Kerberos ticket from "
                        + options.credentialSource() + " has expired", null);
                case CREDENTIAL -> SocksFailures.gssapiNoCredentials(context, "no Kerberos credentials (TGT) from "
                        + options.credentialSource() + ": " + e.getMessage(), e.getCause());
                case CONTEXT -> failed("GSS-API context establishment for " + serviceName + " could not start", e);
            };
        }
        try {
            return new Socks5GssapiContextToken(gss.initSecContext(new byte[0])).toBytes();
        } catch (Failure e) {
            throw failed("GSS-API context establishment for " + serviceName + " could not start", e);
        }
    }

    @Override
    public int messageLength(byte[] incoming, int received) {
        if (received < 2) {
            return 2;
        }
        if ((incoming[1] & 0xFF) == Socks5GssapiMessage.MTYP_ABORT) {
            return 2;
        }
        if (received < 4) {
            return 4;
        }
        return 4 + (((incoming[2] & 0xFF) << 8) | (incoming[3] & 0xFF));
    }

    @Override
    public byte[] receive(ByteBuffer message) throws IOException {
        return switch (step) {
            case CONTEXT -> contextReply(message);
            case LEVEL -> levelReply(message);
            case DONE -> throw new IllegalStateException("GSS-API sub-negotiation is over");
        };
    }

    private byte[] contextReply(ByteBuffer message) throws IOException {
        Socks5GssapiMessage m = Socks5GssapiMessage.decode(message, Socks5GssapiMessage.MTYP_CONTEXT);
        if (m instanceof Socks5GssapiAbort) {
            throw aborted();
        }
        byte[] token = ((Socks5GssapiContextToken) m).token();
        // Dante answers every token, also the last one after which the client's context is established already;
        // that answer (empty, or the AP-REP without mutual authentication) ends context establishment.
        if (!gss.isEstablished()) {
            byte[] next;
            try {
                next = initSecContext(token);
            } catch (Failure e) {
                throw failed("GSS-API context establishment with " + serviceName
                        + ": the proxy's token does not verify", e);
            }
            if (next.length > 0) {
                return new Socks5GssapiContextToken(next).toBytes();
            }
            if (!gss.isEstablished()) {
                throw new SocksProtocolException("GSS-API context establishment: the context is not "
                        + "established and has no token to send");
            }
        }
        step = Step.LEVEL;
        return levelMessage();
    }

    private byte[] initSecContext(byte[] token) throws Failure {
        enterKdcScope();
        try {
            return gss.initSecContext(token);
        } finally {
            exitKdcScope();
        }
    }

    private byte[] levelMessage() throws IOException {
        byte[] level = {(byte) options.level().code()};
        if (options.nec()) {
            return new Socks5GssapiProtection(level).toBytes();
        }
        try {
            // RFC 1961 section 4.3: the level octet is protected for integrity only, at every level.
            return new Socks5GssapiProtection(gss.wrap(level, 0, 1, false)).toBytes();
        } catch (Failure e) {
            throw failed("GSS-API protection-level sub-negotiation: cannot wrap the level octet", e);
        }
    }

    private byte[] levelReply(ByteBuffer message) throws IOException {
        Socks5GssapiMessage m = Socks5GssapiMessage.decode(message, Socks5GssapiMessage.MTYP_PROTECTION);
        if (m instanceof Socks5GssapiAbort) {
            throw aborted();
        }
        byte[] token = ((Socks5GssapiProtection) m).token();
        byte[] level;
        if (options.nec()) {
            level = token;
        } else {
            try {
                level = gss.unwrap(token, 0, token.length).plain();
            } catch (Failure e) {
                throw failed("GSS-API protection-level sub-negotiation: the proxy's level token does not verify",
                        e);
            }
        }
        if (level.length != 1) {
            throw new SocksProtocolException("GSS-API protection-level sub-negotiation: the proxy's "
                    + "level has " + level.length + " octets (expected 1)");
        }
        Socks5GssapiProtectionLevel chosen = Socks5GssapiProtectionLevel.valueOf(level[0]);
        Socks5GssapiProtectionLevel asked = options.level();
        if (chosen.code() < asked.code() || chosen.code() > Socks5GssapiProtectionLevel.CONFIDENTIALITY.code()) {
            throw SocksFailures.gssapiRefused(context, "GSS-API protection-level sub-negotiation: the proxy chose "
                    + chosen + " where " + asked + " was asked for (never accepted silently)", null);
        }
        try {
            protection = new GssapiProtection(gss, chosen);
        } catch (Failure e) {
            throw failed("GSS-API protection level " + chosen, e);
        }
        step = Step.DONE;
        return null;
    }

    private SocksConnectException aborted() {
        return SocksFailures.gssapiRefused(context, "the proxy sent the RFC 1961 abort message during "
                + stepName(), null);
    }

    /** The mechanism's message, and its own exception (the {@code GSSException}) as the cause. */
    private SocksConnectException failed(String what, Failure e) {
        return SocksFailures.gssapiRefused(context, what + ": " + e.getMessage(), e.getCause());
    }

    private String stepName() {
        return switch (step) {
            case CONTEXT -> "GSS-API context establishment (RFC 1961 MTYP 1, service " + serviceName + ")";
            case LEVEL -> "the GSS-API protection-level sub-negotiation (RFC 1961 MTYP 2, level "
                    + options.level() + (options.nec() ? ", NEC unwrapped" : "") + ")";
            case DONE -> "nothing";
        };
    }

    @Override
    public boolean done() {
        return step == Step.DONE;
    }

    @Override
    public String waitingFor() {
        return switch (step) {
            case CONTEXT -> "the proxy's GSS-API context token (RFC 1961 MTYP 1)";
            case LEVEL -> "the proxy's GSS-API protection level (RFC 1961 MTYP 2)";
            case DONE -> "nothing";
        };
    }

    @Override
    public String sending() {
        return step == Step.CONTEXT ? "the GSS-API context token" : "the GSS-API protection level";
    }

    @Override
    public IOException endOfStream(int received, int needed) {
        String refusal = step == Step.CONTEXT
                ? "it did not accept the client's Kerberos token (no key for " + serviceName + "?)"
                : "it refused protection level " + options.level();
        return SocksFailures.gssapiRefused(context, "the proxy closed the connection during " + stepName()
                + (received > 0 ? " after " + received + " octets of its message" : "") + ": " + refusal, null);
    }

    @Override
    public GssapiProtection protection() {
        return protection;
    }
}
