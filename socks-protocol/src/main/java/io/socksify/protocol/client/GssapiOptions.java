package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.security.auth.Subject;
import javax.security.auth.kerberos.KerberosTicket;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;

/**
 * How a client authenticates with the SOCKS5 GSS-API method (RFC 1961) using Kerberos V5 through the JDK's JGSS:
 * whose credentials, for which service, and which protection level it asks for.
 *
 * <p>Credentials come from a JAAS login that these options perform themselves with their own
 * {@link Configuration} object (a {@code Krb5LoginModule} entry built from {@link #keytab}, {@link #ticketCache},
 * {@link #principal}), never the JVM's global configuration: the application's JAAS set-up, its {@code Subject}s and
 * {@code javax.security.auth.useSubjectCredsOnly} stay as they were. A caller that has logged in already passes its
 * {@link #subject}. {@code krb5.conf} is the JDK's ({@code java.security.krb5.conf}).
 *
 * <pre>{@code
 * GssapiOptions gss = GssapiOptions.builder().keytab(Path.of("/etc/app.keytab")).principal("app@EXAMPLE.COM")
 *         .level(Socks5GssapiProtectionLevel.CONFIDENTIALITY).build();
 * SocksProxy proxy = SocksProxy.of(SocksVersion.SOCKS5, address).withGssapi(gss);
 * }</pre>
 *
 * <p>Levels: the client asks for {@link #level()} and accepts the proxy's answer only if it is that level or a
 * stronger one; {@link Socks5GssapiProtectionLevel#CLEAR} (Dante's extension: authentication only, data in the
 * clear) is sent only when asked for. {@link #nec()} sends and expects the level octet unwrapped, as NEC's reference
 * server did ({@code clientcompatibility: necgssapi} in Dante). Instances are immutable and thread-safe; the login
 * is done once and repeated when its ticket has expired.
 */
public final class GssapiOptions {
    /** RFC 1961's and Dante's default service name. */
    public static final String DEFAULT_SERVICE = "rcmd";
    private static final String LOGIN_MODULE = "com.sun.security.auth.module.Krb5LoginModule";

    private final String principal;
    private final Path keytab;
    private final Path ticketCache;
    private final String service;
    private final Socks5GssapiProtectionLevel level;
    private final boolean nec;
    private final boolean refreshKrb5Config;
    private final Subject givenSubject;
    private Subject loggedIn;

    private GssapiOptions(Builder b) {
        this.principal = b.principal;
        this.keytab = b.keytab;
        this.ticketCache = b.ticketCache;
        this.service = b.service;
        this.level = b.level;
        this.nec = b.nec;
        this.refreshKrb5Config = b.refreshKrb5Config;
        this.givenSubject = b.subject;
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

    /**
     * The credentials: the given subject, or the result of this object's own JAAS login (cached until its ticket
     * expires).
     *
     * @throws SocksConnectException with {@link SocksConnectException.Reason#INVALID_CREDENTIALS} naming what is
     *                               missing (no keytab, no ticket, an expired ticket), the {@link LoginException} as
     *                               its cause
     */
    synchronized Subject subject(String context) throws SocksConnectException {
        if (givenSubject != null) {
            return givenSubject;
        }
        if (loggedIn != null && hasCurrentTicket(loggedIn)) {
            return loggedIn;
        }
        Subject subject = new Subject();
        try {
            LoginContext login = new LoginContext("socksify-gssapi-initiate", subject, callbacks -> {
                throw new javax.security.auth.callback.UnsupportedCallbackException(callbacks[0],
                        "socksify never prompts for a Kerberos password");
            }, new OwnConfiguration(loginOptions()));
            login.login();
        } catch (LoginException e) {
            throw SocksFailures.gssapiNoCredentials(context, "no usable Kerberos credentials for "
                    + (principal == null ? "the default principal" : principal) + ": " + whatIsMissing() + " ("
                    + String.valueOf(e.getMessage()).strip() + ")", e);
        }
        if (!hasCurrentTicket(subject) && keytab == null) {
            throw SocksFailures.gssapiNoCredentials(context, "the Kerberos ticket from " + credentialSource()
                    + " has expired", null);
        }
        loggedIn = subject;
        return subject;
    }

    /** Why a login failed, as far as the files tell: the JDK's LoginException only says it found nothing. */
    private String whatIsMissing() {
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

    String credentialSource() {
        if (keytab != null) {
            return "keytab " + keytab;
        }
        return "ticket cache " + (ticketCache != null ? ticketCache : "(KRB5CCNAME or the JDK's default)");
    }

    private static boolean hasCurrentTicket(Subject subject) {
        for (KerberosTicket t : subject.getPrivateCredentials(KerberosTicket.class)) {
            if (t.isCurrent()) {
                return true;
            }
        }
        return false;
    }

    private Map<String, String> loginOptions() {
        Map<String, String> o = new HashMap<>();
        o.put("isInitiator", "true");
        o.put("doNotPrompt", "true");
        o.put("storeKey", "false");
        if (keytab != null) {
            o.put("useKeyTab", "true");
            o.put("keyTab", keytab.toString());
        } else {
            o.put("useTicketCache", "true");
            if (ticketCache != null) {
                o.put("ticketCache", ticketCache.toString());
            }
        }
        if (principal != null) {
            o.put("principal", principal);
        }
        if (refreshKrb5Config) {
            o.put("refreshKrb5Config", "true");
        }
        return o;
    }

    /** The one login entry these options need, in an object of their own: the global configuration is not read. */
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
         * offered: RFC 1961 leaves its meaning to each message, and real servers refuse it.
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

        public GssapiOptions build() {
            if (keytab != null && ticketCache != null) {
                throw new IllegalArgumentException("keytab and ticketCache: give one of them");
            }
            return new GssapiOptions(this);
        }
    }
}
