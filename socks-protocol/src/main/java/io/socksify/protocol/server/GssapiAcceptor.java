package io.socksify.protocol.server;

import io.socksify.protocol.client.GssapiMechanism;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How {@link SocksServer} accepts the GSS-API method (RFC 1961) with Kerberos V5: whose keys (a keytab, optionally
 * one principal of it), which protection levels it allows, and whether it takes NEC's unwrapped level octet.
 *
 * <pre>{@code
 * SocksServer.builder().gssapi(GssapiAcceptor.builder(Path.of("proxy.keytab"))
 *         .principal("rcmd/proxy.example.com@EXAMPLE.COM").build()).start();
 * }</pre>
 *
 * <p>The keys are read through a JAAS login with a {@code javax.security.auth.login.Configuration} object of its
 * own (never the JVM's global one), once, when the server starts (a keytab or principal that cannot be used fails
 * {@code start()}). Levels, as in Dante's
 * {@code gssapi.enctype}: by default integrity and confidentiality, and not clear (Dante's extension: authentication
 * only, data unprotected). A client asking for a level that is not allowed gets the lowest allowed stronger one, or
 * else the strongest allowed (which a careful client refuses). Instances are immutable and thread-safe.
 */
public final class GssapiAcceptor {
    /** A protection level a server may allow. */
    public enum Level {
        CLEAR(Socks5GssapiProtectionLevel.CLEAR),
        INTEGRITY(Socks5GssapiProtectionLevel.INTEGRITY),
        CONFIDENTIALITY(Socks5GssapiProtectionLevel.CONFIDENTIALITY);

        private final Socks5GssapiProtectionLevel wire;

        Level(Socks5GssapiProtectionLevel wire) {
            this.wire = wire;
        }

        public Socks5GssapiProtectionLevel wire() {
            return wire;
        }

        /**
         * @throws IllegalArgumentException naming the word and the expected ones
         */
        public static Level parse(String word) {
            try {
                return valueOf(word.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("GSS-API level: " + word
                        + " (expected: clear, integrity or confidentiality)");
            }
        }
    }

    private final Path keytab;
    private final String principal;
    private final EnumSet<Level> levels;
    private final boolean nec;
    private final boolean refreshKrb5Config;
    private GssapiMechanism mechanism;

    private GssapiAcceptor(Builder b) {
        this.keytab = b.keytab;
        this.principal = b.principal;
        this.levels = EnumSet.copyOf(b.levels);
        this.nec = b.nec;
        this.refreshKrb5Config = b.refreshKrb5Config;
        this.mechanism = b.mechanism;
    }

    /** @param keytab the server's keytab, with a key for each {@code service/host} name clients ask for */
    public static Builder builder(Path keytab) {
        return new Builder(keytab);
    }

    public Path keytab() {
        return keytab;
    }

    /** @return the one principal accepted, or null for any key of the keytab */
    public String principal() {
        return principal;
    }

    /** @return the levels allowed */
    public EnumSet<Level> levels() {
        return EnumSet.copyOf(levels);
    }

    /** @return whether a bare (unwrapped) level octet is accepted, and then answered bare (NEC compatibility) */
    public boolean nec() {
        return nec;
    }

    /**
     * @return the level to answer a client that asks for {@code asked}: that level if allowed, else the lowest
     *         allowed stronger one, else the strongest allowed
     */
    Socks5GssapiProtectionLevel answer(Socks5GssapiProtectionLevel asked) {
        Level strongest = null;
        for (Level l : levels) {
            if (l.wire().code() >= asked.code()) {
                return l.wire();
            }
            strongest = l;
        }
        return strongest.wire();
    }

    boolean allows(Socks5GssapiProtectionLevel level) {
        for (Level l : levels) {
            if (l.wire().equals(level)) {
                return true;
            }
        }
        return false;
    }

    /** For tests: the mechanism to accept with instead of JGSS (a stand-in context). */
    GssapiAcceptor mechanism(GssapiMechanism m) {
        synchronized (this) {
            mechanism = m;
        }
        return this;
    }

    /**
     * Logs in with the keytab now (the server's start), so that a keytab or principal that cannot be used fails the
     * start naming it, and no client's first handshake pays for the login on an event-loop thread.
     *
     * @throws IOException naming the keytab, the principal and what failed
     */
    void login() throws IOException {
        synchronized (this) {
            // Kerberos' acceptor login does not open the keytab (a missing one fails only at the first client).
            if (mechanism == null && !java.nio.file.Files.isReadable(keytab)) {
                throw new IOException("GSS-API: cannot log in with keytab " + keytab + ": it cannot be read");
            }
        }
        try {
            newContext();
        } catch (IOException e) {
            throw new IOException("GSS-API: cannot log in with keytab " + keytab + " for "
                    + (principal == null ? "any principal of it" : principal) + ": " + e.getMessage(), e);
        }
    }

    /** A new accepting context; the first call logs in with the keytab (normally {@link #login()} at start). */
    GssapiMechanism.Context newContext() throws IOException {
        GssapiMechanism m;
        synchronized (this) {
            if (mechanism == null) {
                mechanism = GssapiMechanism.load();
            }
            m = mechanism;
        }
        return m.accept(keytab, principal, refreshKrb5Config);
    }

    @Override
    public String toString() {
        return "GssapiAcceptor[keytab " + keytab + ", " + (principal == null ? "any principal of it" : principal)
                + ", levels " + levels.toString().toLowerCase(Locale.ROOT) + (nec ? ", NEC" : "") + "]";
    }

    public static final class Builder {
        private final Path keytab;
        private String principal;
        private EnumSet<Level> levels = EnumSet.of(Level.INTEGRITY, Level.CONFIDENTIALITY);
        private boolean nec;
        private boolean refreshKrb5Config;
        private GssapiMechanism mechanism;

        private Builder(Path keytab) {
            this.keytab = Objects.requireNonNull(keytab, "keytab");
        }

        /** Accept only this principal's key ({@code rcmd/host@REALM}); default: any key of the keytab. */
        public Builder principal(String principal) {
            this.principal = principal;
            return this;
        }

        /** The levels allowed (at least one); default integrity and confidentiality, as Dante. */
        public Builder levels(Level... allowed) {
            if (allowed.length == 0) {
                throw new IllegalArgumentException("levels: none given (expected: at least one of clear, "
                        + "integrity, confidentiality)");
            }
            this.levels = EnumSet.copyOf(List.of(allowed));
            return this;
        }

        /**
         * The levels allowed, as a comma-separated list ({@code "clear,integrity"}), the form of the command line.
         *
         * @throws IllegalArgumentException naming a word that is not a level
         */
        public Builder levels(String list) {
            List<Level> parsed = new ArrayList<>();
            for (String w : list.split(",", -1)) {
                parsed.add(Level.parse(w));
            }
            return levels(parsed.toArray(new Level[0]));
        }

        /** Also accept the level octet unwrapped, and answer it unwrapped (Dante's {@code necgssapi}). */
        public Builder nec(boolean nec) {
            this.nec = nec;
            return this;
        }

        /** Re-read {@code krb5.conf} at login (JVM-wide: see {@code Krb5LoginModule}'s option). */
        public Builder refreshKrb5Config(boolean refresh) {
            this.refreshKrb5Config = refresh;
            return this;
        }

        /** A test hook: the mechanism whose contexts accept clients; default Kerberos V5 through JGSS. */
        Builder mechanism(GssapiMechanism mechanism) {
            this.mechanism = Objects.requireNonNull(mechanism, "mechanism");
            return this;
        }

        public GssapiAcceptor build() {
            return new GssapiAcceptor(this);
        }
    }
}
