package io.socksify.protocol.testing;

import io.socksify.protocol.client.GssapiMechanism;
import io.socksify.protocol.client.GssapiOptions;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A stand-in for Kerberos, the one the tests of socks-protocol share: on the acceptor one context token (any octets
 * but a first 0xEE, refused, or 0x4D, "more": another round) establishes a context for {@link #PRINCIPAL};
 * per-message tokens are {@code C0|C1, plain..., sum} (C1: confidential), so the framing can be read in hex. The
 * detection and protection states a real acceptor takes from the initiator's token are set here.
 */
public final class StandInGssapi implements GssapiMechanism {
    public static final String PRINCIPAL = "alice@EXAMPLE.ORG";

    public boolean replay = true;
    public boolean sequence = true;
    public boolean integrity = true;
    public boolean confidentiality = true;
    /** States the next unwrap reports (duplicate). */
    public boolean duplicate;
    /** How many contexts {@link #accept} made. */
    public int accepted;

    @Override
    public Context initiate(GssapiOptions options, String serviceName, boolean confidential) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Context accept(Path keytab, String principal, boolean refreshKrb5Config) {
        accepted++;
        return new StandIn();
    }

    /** A context established from the start, for a data path without a handshake before it. */
    public StandIn established() {
        StandIn context = new StandIn();
        context.established = true;
        return context;
    }

    /** A per-message token as {@link StandIn#wrap} makes it. */
    public static byte[] wrap(byte[] plain, boolean confidential) {
        byte[] token = new byte[plain.length + 2];
        token[0] = (byte) (confidential ? 0xC1 : 0xC0);
        System.arraycopy(plain, 0, token, 1, plain.length);
        token[plain.length + 1] = sum(token, 1, plain.length);
        return token;
    }

    private static byte sum(byte[] b, int off, int len) {
        int s = 0;
        for (int i = off; i < off + len; i++) {
            s += b[i];
        }
        return (byte) s;
    }

    public final class StandIn implements GssapiMechanism.Context {
        private boolean established;

        @Override
        public byte[] initSecContext(byte[] token) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] acceptSecContext(byte[] token) throws Failure {
            if (token.length == 0 || token[0] == (byte) 0xEE) {
                throw new Failure(Failure.Kind.CONTEXT, "stand-in: bad context token", null);
            }
            // A token starting 0x4D ("more") asks for another round.
            established = token[0] != 0x4D;
            return new byte[0];
        }

        @Override
        public String peerName() {
            return established ? PRINCIPAL : null;
        }

        @Override
        public boolean isEstablished() {
            return established;
        }

        @Override
        public byte[] wrap(byte[] plain, int off, int len, boolean confidential) {
            return StandInGssapi.wrap(Arrays.copyOfRange(plain, off, off + len), confidential);
        }

        @Override
        public Unwrapped unwrap(byte[] token, int off, int len) throws Failure {
            if (len < 2 || token[off + len - 1] != sum(token, off + 1, len - 2)) {
                throw new Failure(Failure.Kind.CONTEXT, "checksum mismatch", null);
            }
            byte[] plain = Arrays.copyOfRange(token, off + 1, off + len - 1);
            return new Unwrapped(plain, token[off] == (byte) 0xC1, duplicate, false, false, false);
        }

        @Override
        public int wrapSizeLimit(boolean confidential, int maxTokenSize) {
            return maxTokenSize - 2;
        }

        @Override
        public boolean replayDetection() {
            return replay;
        }

        @Override
        public boolean sequenceDetection() {
            return sequence;
        }

        @Override
        public boolean integrity() {
            return integrity;
        }

        @Override
        public boolean confidentiality() {
            return confidentiality;
        }
    }
}
