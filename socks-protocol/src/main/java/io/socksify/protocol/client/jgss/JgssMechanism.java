package io.socksify.protocol.client.jgss;

import io.socksify.protocol.client.GssapiMechanism;
import io.socksify.protocol.client.GssapiOptions;

import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.security.auth.Subject;
import javax.security.auth.kerberos.KerberosTicket;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.GSSCredential;
import org.ietf.jgss.GSSException;
import org.ietf.jgss.GSSManager;
import org.ietf.jgss.GSSName;
import org.ietf.jgss.MessageProp;
import org.ietf.jgss.Oid;

/**
 * {@link GssapiMechanism} with the JDK's JGSS and Kerberos V5 (RFC 1964, RFC 4121): the only class of socks-protocol
 * that links against {@code java.security.jgss}. One instance per {@link GssapiOptions} (it keeps the login's
 * {@code Subject} until its ticket expires), or per embedded server's acceptor (it keeps the keytab login and the
 * acceptor credential).
 *
 * <p>The login uses a {@link Configuration} object of its own (one {@code Krb5LoginModule} entry built from the
 * options), never the JVM's global one, and never reads or sets {@code javax.security.auth.useSubjectCredsOnly}:
 * contexts are created inside {@code Subject.doAs} with this login's subject. Public only so that
 * {@code GssapiMechanisms} can create it from a class loader of its own.
 */
public final class JgssMechanism implements GssapiMechanism {
    /** Kerberos V5's mechanism (RFC 1964). */
    public static final String KRB5_MECHANISM = "1.2.840.113554.1.2.2";
    private static final String LOGIN_MODULE = "com.sun.security.auth.module.Krb5LoginModule";

    private Subject loggedIn;
    private Subject acceptorLogin;
    private GSSCredential acceptorCredential;

    /** For {@code GssapiMechanisms}, one per {@link GssapiOptions}. */
    public JgssMechanism() {
    }

    /**
     * An established JGSS context (an acceptor's, or one made elsewhere) in the form {@code GssapiProtection} wraps
     * with.
     */
    public static GssapiMechanism.Context context(GSSContext established) {
        return new JgssContext(Objects.requireNonNull(established, "established"), null);
    }

    @Override
    public Context initiate(GssapiOptions options, String serviceName, boolean confidential) throws Failure {
        Subject subject = subject(options);
        GSSManager manager = GSSManager.getInstance();
        Oid krb5;
        GSSName service;
        try {
            krb5 = new Oid(KRB5_MECHANISM);
            service = manager.createName(serviceName, GSSName.NT_HOSTBASED_SERVICE);
        } catch (GSSException e) {
            throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
        }
        GSSCredential credential;
        try {
            credential = as(subject, () -> manager.createCredential(null, GSSCredential.DEFAULT_LIFETIME, krb5,
                    GSSCredential.INITIATE_ONLY));
        } catch (GSSException e) {
            throw new Failure(Failure.Kind.CREDENTIAL, e.getMessage(), e);
        }
        try {
            GSSContext gss = manager.createContext(service, krb5, credential, GSSContext.DEFAULT_LIFETIME);
            gss.requestMutualAuth(true);
            gss.requestInteg(true);
            gss.requestConf(confidential);
            // Per-message tokens carry sequence numbers (RFC 4121); ask for both checks explicitly (JGSS reports a
            // replayed or reordered token in MessageProp, GssapiProtection refuses it).
            gss.requestSequenceDet(true);
            gss.requestReplayDet(true);
            return new JgssContext(gss, subject);
        } catch (GSSException e) {
            throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
        }
    }

    @Override
    public Context accept(java.nio.file.Path keytab, String principal, boolean refreshKrb5Config) throws Failure {
        GSSManager manager = GSSManager.getInstance();
        Subject subject;
        GSSCredential credential;
        synchronized (this) {
            if (acceptorCredential == null) {
                Map<String, String> o = new HashMap<>();
                o.put("isInitiator", "false");
                o.put("doNotPrompt", "true");
                o.put("storeKey", "true");
                o.put("useKeyTab", "true");
                o.put("keyTab", keytab.toString());
                // "*": any key of the keytab accepts (Krb5LoginModule's acceptor wildcard).
                o.put("principal", principal == null ? "*" : principal);
                if (refreshKrb5Config) {
                    o.put("refreshKrb5Config", "true");
                }
                Subject s = new Subject();
                try {
                    new LoginContext("socksify-gssapi-accept", s, callbacks -> {
                        throw new javax.security.auth.callback.UnsupportedCallbackException(callbacks[0],
                                "socksify never prompts for a Kerberos password");
                    }, new OwnConfiguration(o)).login();
                } catch (LoginException e) {
                    throw new Failure(Failure.Kind.LOGIN, String.valueOf(e.getMessage()).strip(), e);
                }
                try {
                    Oid krb5 = new Oid(KRB5_MECHANISM);
                    GSSName name = principal == null ? null
                            : manager.createName(principal, GSSName.NT_USER_NAME, krb5);
                    acceptorCredential = as(s, () -> manager.createCredential(name,
                            GSSCredential.INDEFINITE_LIFETIME, krb5, GSSCredential.ACCEPT_ONLY));
                } catch (GSSException e) {
                    throw new Failure(Failure.Kind.CREDENTIAL, e.getMessage(), e);
                }
                acceptorLogin = s;
            }
            subject = acceptorLogin;
            credential = acceptorCredential;
        }
        try {
            return new JgssContext(manager.createContext(credential), subject);
        } catch (GSSException e) {
            throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
        }
    }

    /** The given subject, or this object's own login (repeated once its ticket has expired). */
    private synchronized Subject subject(GssapiOptions options) throws Failure {
        if (options.givenSubject() != null) {
            return options.givenSubject();
        }
        if (loggedIn != null && hasCurrentTicket(loggedIn)) {
            return loggedIn;
        }
        Subject subject = new Subject();
        try {
            LoginContext login = new LoginContext("socksify-gssapi-initiate", subject, callbacks -> {
                throw new javax.security.auth.callback.UnsupportedCallbackException(callbacks[0],
                        "socksify never prompts for a Kerberos password");
            }, new OwnConfiguration(loginOptions(options)));
            login.login();
        } catch (LoginException e) {
            throw new Failure(Failure.Kind.LOGIN, String.valueOf(e.getMessage()).strip(), e);
        }
        if (!hasCurrentTicket(subject) && options.keytab() == null) {
            throw new Failure(Failure.Kind.EXPIRED, "the ticket has expired", null);
        }
        loggedIn = subject;
        return subject;
    }

    private static boolean hasCurrentTicket(Subject subject) {
        for (KerberosTicket t : subject.getPrivateCredentials(KerberosTicket.class)) {
            if (t.isCurrent()) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> loginOptions(GssapiOptions options) {
        Map<String, String> o = new HashMap<>();
        o.put("isInitiator", "true");
        o.put("doNotPrompt", "true");
        o.put("storeKey", "false");
        if (options.keytab() != null) {
            o.put("useKeyTab", "true");
            o.put("keyTab", options.keytab().toString());
        } else {
            o.put("useTicketCache", "true");
            if (options.ticketCache() != null) {
                o.put("ticketCache", options.ticketCache().toString());
            }
        }
        if (options.principal() != null) {
            o.put("principal", options.principal());
        }
        if (options.refreshKrb5Config()) {
            o.put("refreshKrb5Config", "true");
        }
        return o;
    }

    private static <T> T as(Subject subject, PrivilegedExceptionAction<T> action) throws GSSException {
        try {
            return Subject.doAs(subject, action);
        } catch (PrivilegedActionException e) {
            if (e.getException() instanceof GSSException g) {
                throw g;
            }
            throw new IllegalStateException(e.getException());
        }
    }

    /** The one login entry the options need, in an object of their own: the global configuration is not read. */
    private static final class OwnConfiguration extends Configuration {
        private final AppConfigurationEntry[] entries;

        OwnConfiguration(Map<String, String> options) {
            this.entries = new AppConfigurationEntry[] {new AppConfigurationEntry(LOGIN_MODULE,
                    AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.copyOf(options))};
        }

        @Override
        public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
            return entries.clone();
        }
    }

    private static final class JgssContext implements GssapiMechanism.Context {
        private final GSSContext gss;
        private final Subject subject;

        JgssContext(GSSContext gss, Subject subject) {
            this.gss = gss;
            this.subject = subject;
        }

        @Override
        public byte[] initSecContext(byte[] token) throws Failure {
            try {
                // An established context given to context(GSSContext) has no subject and no token to make.
                byte[] next = subject == null ? gss.initSecContext(token, 0, token.length)
                        : as(subject, () -> gss.initSecContext(token, 0, token.length));
                return next == null ? new byte[0] : next;
            } catch (GSSException e) {
                throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
            }
        }

        @Override
        public byte[] acceptSecContext(byte[] token) throws Failure {
            try {
                byte[] next = subject == null ? gss.acceptSecContext(token, 0, token.length)
                        : as(subject, () -> gss.acceptSecContext(token, 0, token.length));
                return next == null ? new byte[0] : next;
            } catch (GSSException e) {
                throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
            }
        }

        @Override
        public String peerName() throws Failure {
            if (!gss.isEstablished()) {
                return null;
            }
            try {
                return gss.getSrcName().toString();
            } catch (GSSException e) {
                throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
            }
        }

        @Override
        public boolean isEstablished() {
            return gss.isEstablished();
        }

        @Override
        public byte[] wrap(byte[] plain, int off, int len, boolean confidential) throws Failure {
            try {
                return gss.wrap(plain, off, len, new MessageProp(0, confidential));
            } catch (GSSException e) {
                throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
            }
        }

        @Override
        public Unwrapped unwrap(byte[] token, int off, int len) throws Failure {
            MessageProp prop = new MessageProp(0, false);
            try {
                byte[] plain = gss.unwrap(token, off, len, prop);
                // JGSS does not throw on a replayed, old, reordered or missing-before token: it says so here.
                return new Unwrapped(plain, prop.getPrivacy(), prop.isDuplicateToken(), prop.isOldToken(),
                        prop.isUnseqToken(), prop.isGapToken());
            } catch (GSSException e) {
                throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
            }
        }

        @Override
        public int wrapSizeLimit(boolean confidential, int maxTokenSize) throws Failure {
            try {
                return gss.getWrapSizeLimit(0, confidential, maxTokenSize);
            } catch (GSSException e) {
                throw new Failure(Failure.Kind.CONTEXT, e.getMessage(), e);
            }
        }

        @Override
        public boolean replayDetection() {
            return gss.getReplayDetState();
        }

        @Override
        public boolean sequenceDetection() {
            return gss.getSequenceDetState();
        }

        @Override
        public boolean integrity() {
            return gss.getIntegState();
        }

        @Override
        public boolean confidentiality() {
            return gss.getConfState();
        }

        @Override
        public String toString() {
            return "JgssContext[" + (gss.isEstablished() ? "established" : "establishing") + "]";
        }
    }
}
