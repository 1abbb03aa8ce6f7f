package io.socksify.protocol.client;

import java.io.IOException;

/**
 * The Kerberos V5 operations the GSS-API method (RFC 1961) needs, in JDK types of {@code java.base} only: a login,
 * an initiating (client) or accepting (embedded server) security context, and per-message wrap and unwrap. {@link GssapiAuthenticator} and
 * {@link GssapiProtection} hold all of RFC 1961 (framing, levels, failures) and reach Kerberos only through this
 * interface; its one implementation, {@code jgss.JgssMechanism}, is the one class of socks-protocol that links
 * against JGSS.
 *
 * <p>Why the split: {@code org.ietf.jgss} and {@code javax.security.auth.kerberos} are in module
 * {@code java.security.jgss}, defined to the platform class loader. A copy of socks-protocol on the boot class path
 * (as in socksify's agent, whose classes are called from prologues inside {@code java.base}) cannot link against
 * them; it loads the implementation through a class loader of its own ({@link GssapiMechanisms}) and calls it
 * through these types, which both loaders share.
 *
 * <p>Not for applications: {@link GssapiOptions} picks the implementation.
 */
public interface GssapiMechanism {
    /**
     * Logs in with {@code options} (or reuses the login while its ticket is current) and starts an initiating
     * context for the host-based service {@code serviceName} ({@code service@host}) with mutual authentication,
     * integrity, and confidentiality if {@code confidential}.
     */
    Context initiate(GssapiOptions options, String serviceName, boolean confidential) throws Failure;

    /**
     * Logs in as an acceptor with the keys of {@code keytab} (once per instance; repeated by a new instance) and
     * starts an accepting context: for {@code principal} ({@code service/host@REALM}), or for any key of the keytab
     * if null. For an embedded server; the login uses a configuration object of its own, never the global one.
     */
    Context accept(java.nio.file.Path keytab, String principal, boolean refreshKrb5Config) throws Failure;

    /**
     * The implementation, loaded where socks-protocol's own class loader may not see JGSS (see
     * {@code GssapiMechanisms}); one instance per set of credentials, since it keeps the login.
     */
    static GssapiMechanism load() throws IOException {
        return GssapiMechanisms.create();
    }

    /** One security context (RFC 2743), initiating or accepting, as RFC 1961 uses it. */
    interface Context {
        /** @return the next token to send (possibly empty), given the peer's last one (empty to begin) */
        byte[] initSecContext(byte[] token) throws Failure;

        /** An accepting context's step: @return the token to answer with (possibly empty) */
        byte[] acceptSecContext(byte[] token) throws Failure;

        /** @return the initiator's principal once an accepting context is established, else null */
        String peerName() throws Failure;

        boolean isEstablished();

        /** One per-message token ({@code gss_wrap}) of {@code len} octets, encrypted if {@code confidential}. */
        byte[] wrap(byte[] plain, int off, int len, boolean confidential) throws Failure;

        /** Verifies and unwraps one per-message token ({@code gss_unwrap}). */
        Unwrapped unwrap(byte[] token, int off, int len) throws Failure;

        /** @return the most plain octets one token of at most {@code maxTokenSize} octets carries */
        int wrapSizeLimit(boolean confidential, int maxTokenSize) throws Failure;

        /**
         * @return whether the established context detects replayed tokens; on an acceptor this is what the
         *         initiator asked for in its first token, and without it {@link Unwrapped#duplicate()} and
         *         {@link Unwrapped#old()} are never set
         */
        boolean replayDetection();

        /** @return whether the established context detects out-of-sequence tokens (else {@code gap} and
         *          {@code unsequenced} are never set) */
        boolean sequenceDetection();

        /** @return whether the established context's per-message tokens carry integrity */
        boolean integrity();

        /** @return whether the established context can encrypt per-message tokens */
        boolean confidentiality();
    }

    /**
     * The plain octets of a token, whether it was encrypted, and its supplementary status (RFC 2743 section 1.2.3):
     * a token seen before ({@code duplicate}), too old for the replay window ({@code old}), later than expected with
     * tokens missing before it ({@code gap}), or out of order ({@code unsequenced}). The mechanism does not fail on
     * these; {@link GssapiProtection} decides by transport.
     */
    record Unwrapped(byte[] plain, boolean confidential, boolean duplicate, boolean old, boolean unsequenced,
            boolean gap) {
        /** A token in sequence. */
        public Unwrapped(byte[] plain, boolean confidential) {
            this(plain, confidential, false, false, false, false);
        }

        /** @return the supplementary states set, for messages ("" if none) */
        public String states() {
            return (duplicate ? " duplicate" : "") + (old ? " old" : "") + (unsequenced ? " unsequenced" : "")
                    + (gap ? " gap" : "");
        }
    }

    /**
     * A Kerberos operation failed. The message is the mechanism's own (for JGSS, the {@code GSSException}'s major
     * and minor status); the cause is the mechanism's exception ({@code GSSException}, {@code LoginException}).
     */
    final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        /** What failed, for the message the caller builds around it. */
        public enum Kind {
            /** The JAAS login found no usable credentials. */
            LOGIN,
            /** The login succeeded, but its ticket is no longer current. */
            EXPIRED,
            /** No initiator credential (TGT) could be acquired from the login. */
            CREDENTIAL,
            /** Names, context creation, a token that does not verify, wrap or unwrap. */
            CONTEXT
        }

        private final Kind kind;

        public Failure(Kind kind, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }
}
