package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5GssapiAbort;
import io.socksify.protocol.wire.Socks5GssapiContextToken;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.Socks5GssapiProtection;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import javax.security.auth.Subject;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.MessageProp;
import org.ietf.jgss.Oid;

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
 * causes, and it is not on the proxy connection.
 */
final class GssapiAuthenticator implements Socks5Authenticator {
    /** Kerberos V5's mechanism (RFC 1964). */
    static final String KRB5_MECHANISM = "1.2.840.113554.1.2.2";

    private enum Step { CONTEXT, LEVEL, DONE }

    private final String context;
    private final GssapiOptions options;
    private final String serviceName;
    private Subject subject;
    private GSSContext gss;
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
        subject = options.subject(context);
        GSSManager manager = GSSManager.getInstance();
        try {
            Oid krb5 = new Oid(KRB5_MECHANISM);
            GSSName service = manager.createName(serviceName, GSSName.NT_HOSTBASED_SERVICE);
            GSSCredential credential;
            try {
                credential = as(() -> manager.createCredential(null, GSSCredential.DEFAULT_LIFETIME, krb5,
                        GSSCredential.INITIATE_ONLY));
            } catch (GSSException e) {
                throw SocksFailures.gssapiNoCredentials(context, "no Kerberos credentials (TGT) from "
                        + options.credentialSource() + ": " + e.getMessage(), e);
            }
            gss = manager.createContext(service, krb5, credential, GSSContext.DEFAULT_LIFETIME);
            gss.requestMutualAuth(true);
            gss.requestInteg(true);
            gss.requestConf(options.level().confidential());
            byte[] token = as(() -> gss.initSecContext(new byte[0], 0, 0));
            return new Socks5GssapiContextToken(token == null ? new byte[0] : token).toBytes();
        } catch (GSSException e) {
            throw failed("GSS-API context establishment for " + serviceName + " could not start", e);
        }
    }

    private <T> T as(PrivilegedExceptionAction<T> action) throws GSSException {
        try {
            return Subject.doAs(subject, action);
        } catch (PrivilegedActionException e) {
            if (e.getException() instanceof GSSException g) {
                throw g;
            }
            throw new IllegalStateException(e.getException());
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
                next = as(() -> gss.initSecContext(token, 0, token.length));
            } catch (GSSException e) {
                throw failed("GSS-API context establishment with " + serviceName
                        + ": the proxy's token does not verify", e);
            }
            if (next != null && next.length > 0) {
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

    private byte[] levelMessage() throws IOException {
        byte[] level = {(byte) options.level().code()};
        if (options.nec()) {
            return new Socks5GssapiProtection(level).toBytes();
        }
        try {
            // RFC 1961 section 4.3: the level octet is protected for integrity only, at every level.
            return new Socks5GssapiProtection(gss.wrap(level, 0, 1, new MessageProp(0, false))).toBytes();
        } catch (GSSException e) {
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
                level = gss.unwrap(token, 0, token.length, new MessageProp(0, false));
            } catch (GSSException e) {
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
        } catch (GSSException e) {
            throw failed("GSS-API protection level " + chosen, e);
        }
        step = Step.DONE;
        return null;
    }

    private SocksConnectException aborted() {
        return SocksFailures.gssapiRefused(context, "the proxy sent the RFC 1961 abort message during "
                + stepName(), null);
    }

    private SocksConnectException failed(String what, GSSException e) {
        return SocksFailures.gssapiRefused(context, what + ": " + e.getMessage(), e);
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
