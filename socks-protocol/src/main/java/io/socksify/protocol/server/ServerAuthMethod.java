package io.socksify.protocol.server;

import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.SocksProtocolException;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * One SOCKS5 authentication method the server offers (RFC 1928 section 3) as a plug-in of {@link ServerHandshake}:
 * its sub-negotiation is I/O-free, decoding whole messages from the client's bytes and encoding its answers, like
 * the client's {@code Socks5Authenticator}. No authentication, RFC 1929 username/password
 * ({@link PasswordAuthMethod}) and RFC 1961 GSS-API ({@link GssapiAuthMethod}) are the three.
 */
interface ServerAuthMethod {
    Socks5AuthMethod method();

    /** @return the sub-negotiation with one client */
    Exchange begin(InetAddress client);

    /** The sub-negotiation of one session; confined to its loop. */
    interface Exchange {
        /**
         * Decodes what {@code in} holds (read mode), answers into {@code out} (write mode).
         *
         * @throws SocksProtocolException for a malformed message; then {@link #refuse} answers it
         */
        Outcome step(ByteBuffer in, ByteBuffer out) throws SocksProtocolException;

        /** Writes the method's failure answer after a protocol error (RFC 1929 status 1, RFC 1961 abort). */
        void refuse(ByteBuffer out);

        /** @return the buffer size the method's messages need (a GSS-API token is up to 65,535 octets) */
        default int bufferSize() {
            return Session.HANDSHAKE_BUFFER;
        }
    }

    /** No authentication (method {@code 0x00}): nothing to exchange. */
    ServerAuthMethod NO_AUTH = new ServerAuthMethod() {
        @Override
        public Socks5AuthMethod method() {
            return Socks5AuthMethod.NO_AUTH;
        }

        @Override
        public Exchange begin(InetAddress client) {
            return null;
        }
    };

    /**
     * What one step came to.
     *
     * @param kind       what it means for the handshake
     * @param user       the authenticated name (RFC 1929 user, GSS-API principal) with {@link Kind#DONE}
     * @param principal  the GSS-API principal with {@link Kind#DONE}, else null
     * @param protection with GSS-API, the agreed protection, else null
     * @param waitNanos  with {@link Kind#WAIT}, how long to hold the attempt back before stepping again
     * @param reason     with {@link Kind#FAILED} (the answer is in {@code out}), why
     */
    record Outcome(Kind kind, String user, String principal, GssapiProtection protection, long waitNanos,
            String reason) {
        static final Outcome MORE = new Outcome(Kind.MORE, null, null, null, 0, null);

        static Outcome done(String user, String principal, GssapiProtection protection) {
            return new Outcome(Kind.DONE, user, principal, protection, 0, null);
        }

        static Outcome waitFor(long nanos) {
            return new Outcome(Kind.WAIT, null, null, null, nanos, null);
        }

        static Outcome failed(String reason) {
            return new Outcome(Kind.FAILED, null, null, null, 0, reason);
        }
    }

    enum Kind {
        /** Needs more input (or answered and goes on). */
        MORE,
        /** Authenticated: the request follows. */
        DONE,
        /** Hold the attempt back ({@link AuthThrottle}), then step again. */
        WAIT,
        /** Refused; the answer is written. */
        FAILED
    }
}
