package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import javax.security.auth.Subject;

/**
 * How a client authenticates with the SOCKS5 GSS-API method (RFC 1961) using Kerberos V5 through the JDK's JGSS:
 * whose credentials, for which service, and which protection level it asks for.
 *
 * <p>Credentials come from a JAAS login that these options perform themselves (through {@link GssapiMechanism})
 * with their own {@code javax.security.auth.login.Configuration} object (a {@code Krb5LoginModule} entry built from
 * {@link #keytab}, {@link #ticketCache}, {@link #principal}), never the JVM's global configuration: the
 * application's JAAS set-up, its {@code Subject}s and {@code javax.security.auth.useSubjectCredsOnly} stay as they
 * were. A caller that has logged in already passes its {@link Builder#subject}. {@code krb5.conf} is the JDK's
 * ({@code java.security.krb5.conf}).
 *
 * <pre>{@code
 * GssapiOptions gss = GssapiOptions.builder().keytab(Path.of("/etc/app.keytab")).principal("app@EXAMPLE.COM")
 *         .level(Socks5GssapiProtectionLevel.CONFIDENTIALITY).build();
 * SocksProxy proxy = SocksProxy.of(SocksVersion.SOCKS5, address).withGssapi(gss);
 * }</pre>
 *
 * <p>Levels: the client asks for {@link #level()} and accepts the proxy's answer only if it is that level or a
 * stronger one; {@link Socks5GssapiProtectionLevel#CLEAR} (Dante's extension: authentication only, data in the
 * clear) is sent only when asked for. Above clear GSS-API is required: a proxy that selects no authentication or
 * username/password fails the handshake ({@code SocksConnectException}, {@code GSSAPI_REQUIRED}), because the method
 * selection is not protected; at clear the proxy's choice stands. {@link #nec()} sends and expects the level octet unwrapped, as NEC's reference
 * server did ({@code clientcompatibility: necgssapi} in Dante). Instances are immutable and thread-safe; the login
 * is done once and repeated when its ticket has expired.
 */
public final class GssapiOptions {
    /** RFC 1961's and Dante's default service name. */
    public static final String DEFAULT_SERVICE = "rcmd";

    private final String principal;
    private final Path keytab;
    private final Path ticketCache;
    private final String service;
    private final Socks5GssapiProtectionLevel level;
    private final boolean nec;
    private final boolean refreshKrb5Config;
    private final Subject givenSubject;
    private final String unprotectedDataPath;
    private final KdcScope kdcScope;
    private GssapiMechanism mechanism;

    private GssapiOptions(Builder b) {
        this.principal = b.principal;
        this.keytab = b.keytab;
        this.ticketCache = b.ticketCache;
        this.service = b.service;
        this.level = b.level;
        this.nec = b.nec;
        this.refreshKrb5Config = b.refreshKrb5Config;
        this.givenSubject = b.subject;
        this.unprotectedDataPath = b.unprotectedDataPath;
        this.kdcScope = b.kdcScope;
    }

    /**
     * Marks the calls that may talk to the KDC (the JAAS login, {@code initSecContext}): JGSS opens its own
     * connections and datagrams to the KDCs of {@code krb5.conf} inside them, on the calling thread. A caller that
     * routes every connection of the JVM (socksify's agent) uses it to tell its own Kerberos traffic apart from the
     * application's.
     */
    public interface KdcScope {
        void enter();

        /** Called once for each {@link #enter()}, in a {@code finally}. */
        void exit();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** @return the client principal, or null for the ticket cache's or the keytab's first */
    public String principal() {
        return principal;
    }

    /** @return the client's keytab, or null to use a ticket cache */
    public Path keytab() {
        return keytab;
    }

    /** @return the ticket cache, or null for {@code KRB5CCNAME} or the JDK's default */
    public Path ticketCache() {
        return ticketCache;
    }

    /** @return the service name; the proxy's principal is {@code service/proxy-host} */
    public String service() {
        return service;
    }

    /** @return the protection level asked for, and the lowest accepted */
    public Socks5GssapiProtectionLevel level() {
        return level;
    }

    /** @return whether the level octet travels unwrapped (NEC compatibility) */
    public boolean nec() {
        return nec;
    }

    /** @return the subject whose Kerberos credentials are used instead of a login, or null */
    public Subject givenSubject() {
        return givenSubject;
    }

    /**
     * @return why the caller's data path cannot wrap (then a proxy that agrees to integrity or confidentiality fails
     *         the handshake), or null
     */
    public String unprotectedDataPath() {
        return unprotectedDataPath;
    }

    /** @return the scope around KDC exchanges, or null */
    public KdcScope kdcScope() {
        return kdcScope;
    }

    /** @return whether the login re-reads {@code krb5.conf} */
    public boolean refreshKrb5Config() {
        return refreshKrb5Config;
    }

    /**
     * The Kerberos mechanism of these options, created on first use; it keeps the login (repeated when its ticket
     * has expired).
     */
    synchronized GssapiMechanism mechanism() throws IOException {
        if (mechanism == null) {
            mechanism = GssapiMechanisms.create();
        }
        return mechanism;
    }

    /** Why a login failed, as far as the files tell: the JDK's LoginException only says it found nothing. */
    String whatIsMissing() {
        if (keytab != null) {
            return java.nio.file.Files.isReadable(keytab) ? "the keytab " + keytab + " has no key for it"
                    : "the keytab " + keytab + " does not exist or cannot be read";
        }
        if (ticketCache != null) {
            return java.nio.file.Files.exists(ticketCache)
                    ? "the ticket cache " + ticketCache + " holds no current ticket for it (expired, or another "
                            + "principal's)"
                    : "no ticket: the ticket cache " + ticketCache + " does not exist (kinit first)";
        }
        return "no current ticket in the default ticket cache (KRB5CCNAME or the JDK's default; kinit first, or "
                + "give a keytab)";
    }

    /** @return where the credentials come from, in words (never a key) */
    public String credentialSource() {
        if (keytab != null) {
            return "keytab " + keytab;
        }
        return "ticket cache " + (ticketCache != null ? ticketCache : "(KRB5CCNAME or the JDK's default)");
    }

    @Override
    public String toString() {
        return "GssapiOptions[" + (principal == null ? "default principal" : principal) + ", " + credentialSource()
                + ", service " + service + ", level " + level + (nec ? ", NEC" : "") + "]";
    }

    public static final class Builder {
        private String principal;
        private Path keytab;
        private Path ticketCache;
        private String service = DEFAULT_SERVICE;
        private Socks5GssapiProtectionLevel level = Socks5GssapiProtectionLevel.INTEGRITY;
        private boolean nec;
        private boolean refreshKrb5Config;
        private Subject subject;
        private String unprotectedDataPath;
        private KdcScope kdcScope;

        private Builder() {
        }

        /** The client principal ({@code user@REALM}); default: the ticket cache's, or the keytab's first. */
        public Builder principal(String principal) {
            this.principal = principal;
            return this;
        }

        /** Log in with this keytab instead of a ticket cache. */
        public Builder keytab(Path keytab) {
            this.keytab = keytab;
            return this;
        }

        /** The ticket cache to use (default: {@code KRB5CCNAME}, else the JDK's default). */
        public Builder ticketCache(Path ticketCache) {
            this.ticketCache = ticketCache;
            return this;
        }

        /** The service name (default {@value #DEFAULT_SERVICE}): the proxy's principal is {@code service/host}. */
        public Builder service(String service) {
            this.service = Objects.requireNonNull(service, "service");
            return this;
        }

        /**
         * The protection level to ask for and the lowest one accepted (default integrity). Per-message (3) is not
         * offered: RFC 1961 leaves its meaning to each message, and real servers refuse it. Above clear, the proxy
         * must select GSS-API (another method fails the handshake).
         */
        public Builder level(Socks5GssapiProtectionLevel level) {
            Objects.requireNonNull(level, "level");
            if (level.code() > 2) {
                throw new IllegalArgumentException("level: " + level + " (expected: CLEAR, INTEGRITY or "
                        + "CONFIDENTIALITY; per-message protection is refused by real servers)");
            }
            this.level = level;
            return this;
        }

        /** Send and expect the level octet unwrapped, for NEC-compatible servers. */
        public Builder nec(boolean nec) {
            this.nec = nec;
            return this;
        }

        /**
         * Re-read {@code krb5.conf} at login ({@code Krb5LoginModule}'s {@code refreshKrb5Config}). Note: the JDK's
         * Kerberos configuration is one per JVM, so this affects every Kerberos user in it.
         */
        public Builder refreshKrb5Config(boolean refresh) {
            this.refreshKrb5Config = refresh;
            return this;
        }

        /** Use this subject's Kerberos credentials instead of logging in. */
        public Builder subject(Subject subject) {
            this.subject = subject;
            return this;
        }

        /**
         * Says that the data path these options serve carries bytes as they are and cannot wrap them: a proxy that
         * agrees to integrity or confidentiality (asked for, or answered stronger than asked) then fails the
         * handshake with a {@code SocketException} that names the level and {@code why}, before the request is
         * sent (as {@link SocksClientHandshake#requireUnwrappedDataPath} does for one handshake).
         */
        public Builder unprotectedDataPath(String why) {
            this.unprotectedDataPath = Objects.requireNonNull(why, "why");
            return this;
        }

        /** Entered around every call that may talk to the KDC, on the thread that makes it. */
        public Builder kdcScope(KdcScope scope) {
            this.kdcScope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        public GssapiOptions build() {
            if (keytab != null && ticketCache != null) {
                throw new IllegalArgumentException("keytab and ticketCache: give one of them");
            }
            return new GssapiOptions(this);
        }
    }
}
