package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.testing.StandInGssapi;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** The RFC 1961 acceptor ({@link GssapiAuthMethod}) with a stand-in mechanism: bytes in, answers out. */
class GssapiAuthMethodTest {
    private static final HexFormat HEX = HexFormat.of();

    private final StandInGssapi mechanism = new StandInGssapi();
    private final GssapiAcceptor acceptor = GssapiAcceptor.builder(Path.of("/nonexistent.keytab")).build()
            .mechanism(mechanism);

    /** One context token (establishes), then the level wrapped; @return the outcome of the last step. */
    private ServerAuthMethod.Outcome run(ServerAuthMethod.Exchange e, ByteBuffer out, int level) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(HEX.parseHex("01010001" + "01"));
        assertEquals(ServerAuthMethod.Kind.MORE, e.step(in, out).kind());
        byte[] token = StandInGssapi.wrap(new byte[] {(byte) level}, false);
        ByteBuffer p = ByteBuffer.allocate(4 + token.length).put(new byte[] {1, 2, 0, (byte) token.length})
                .put(token).flip();
        return e.step(p, out);
    }

    private static String hex(ByteBuffer out) {
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return HEX.formatHex(b);
    }

    @Test
    void anEstablishedContextWithAllStatesAgreesOnIntegrity() throws Exception {
        ByteBuffer out = ByteBuffer.allocate(100);
        ServerAuthMethod.Outcome o = run(new GssapiAuthMethod(acceptor).begin(InetAddress.getLoopbackAddress()),
                out, 1);
        assertEquals(ServerAuthMethod.Kind.DONE, o.kind(), o.reason());
        assertEquals(StandInGssapi.PRINCIPAL, o.principal());
        assertEquals(Socks5GssapiProtectionLevel.INTEGRITY, o.protection().level());
        // 01 01 0000 (established, empty token), 01 02 0003 c0 02 02 (the answer, integrity only)
        assertEquals("01010000" + "01020003c00101", hex(out));
    }

    @Test
    void aClientThatDidNotAskForReplayDetectionIsAbortedNotGivenAVacuousCheck() throws Exception {
        mechanism.replay = false;
        ByteBuffer out = ByteBuffer.allocate(100);
        ServerAuthMethod.Outcome o = run(new GssapiAuthMethod(acceptor).begin(InetAddress.getLoopbackAddress()),
                out, 2);
        assertEquals(ServerAuthMethod.Kind.FAILED, o.kind());
        assertTrue(o.reason().contains("replay-detection") && o.reason().contains("client"), o.reason());
        assertEquals("01010000" + "01ff", hex(out), "the RFC 1961 abort, no level answer");
    }

    @Test
    void aClientThatDidNotAskForSequenceDetectionIsAbortedToo() throws Exception {
        mechanism.sequence = false;
        ByteBuffer out = ByteBuffer.allocate(100);
        ServerAuthMethod.Outcome o = run(new GssapiAuthMethod(acceptor).begin(InetAddress.getLoopbackAddress()),
                out, 2);
        assertEquals(ServerAuthMethod.Kind.FAILED, o.kind());
        assertTrue(o.reason().contains("sequence-detection"), o.reason());
        assertEquals("01010000" + "01ff", hex(out));
    }

    @Test
    void confidentialityIsNeededOnlyAtLevelConfidentiality() throws Exception {
        mechanism.confidentiality = false;
        ByteBuffer out = ByteBuffer.allocate(100);
        ServerAuthMethod.Outcome o = run(new GssapiAuthMethod(acceptor).begin(InetAddress.getLoopbackAddress()),
                out, 2);
        assertEquals(ServerAuthMethod.Kind.FAILED, o.kind());
        assertTrue(o.reason().contains("confidentiality"), o.reason());
        ByteBuffer out2 = ByteBuffer.allocate(100);
        ServerAuthMethod.Outcome ok = run(new GssapiAuthMethod(acceptor).begin(InetAddress.getLoopbackAddress()),
                out2, 1);
        assertEquals(ServerAuthMethod.Kind.DONE, ok.kind(), ok.reason());
    }

    @Test
    void aReplayedLevelTokenIsRefusedByTheSharedCheck() throws Exception {
        mechanism.duplicate = true;
        ByteBuffer out = ByteBuffer.allocate(100);
        ServerAuthMethod.Outcome o = run(new GssapiAuthMethod(acceptor).begin(InetAddress.getLoopbackAddress()),
                out, 2);
        assertEquals(ServerAuthMethod.Kind.FAILED, o.kind());
        assertTrue(o.reason().contains("the client sent an MTYP 2 token out of sequence (duplicate)"), o.reason());
        assertEquals("01010000" + "01ff", hex(out));
    }

    @Test
    void theInputBufferGrowsOnlyToTheDeclaredLengthOfTheTokenBeingReceived() throws Exception {
        ServerAuthMethod.Exchange e = new GssapiAuthMethod(acceptor).begin(InetAddress.getLoopbackAddress());
        assertEquals(Session.HANDSHAKE_BUFFER, e.bufferSize(), "no token announced yet: the small buffer");
        ByteBuffer out = ByteBuffer.allocate(100);
        assertEquals(ServerAuthMethod.Kind.MORE, e.step(ByteBuffer.wrap(HEX.parseHex("0101")), out).kind());
        assertEquals(Session.HANDSHAKE_BUFFER, e.bufferSize());
        assertEquals(ServerAuthMethod.Kind.MORE, e.step(ByteBuffer.wrap(HEX.parseHex("01011388" + "01")), out)
                .kind());
        assertEquals(4 + 5000, e.bufferSize(), "LEN 5000 announced");
        byte[] whole = new byte[4 + 5000];
        System.arraycopy(HEX.parseHex("01011388"), 0, whole, 0, 4);
        whole[4] = 1;
        assertEquals(ServerAuthMethod.Kind.MORE, e.step(ByteBuffer.wrap(whole), out).kind());
        assertEquals(Session.HANDSHAKE_BUFFER, e.bufferSize(), "back to the small buffer once it is in");
        assertEquals("01010000", hex(out));
    }

    @Test
    void aClientThatNeverEstablishesIsAbortedAfterMaxRoundsAndThrottled() throws Exception {
        AuthThrottle throttle = new AuthThrottle();
        ServerAuthMethod.Exchange e = new GssapiAuthMethod(acceptor, throttle)
                .begin(InetAddress.getLoopbackAddress());
        ByteBuffer out = ByteBuffer.allocate(100);
        // Pipelined "more" tokens (0x4D): each answered, none establishes.
        byte[] more = HEX.parseHex("01010001" + "4d");
        ByteBuffer in = ByteBuffer.allocate(5 * more.length);
        for (int i = 0; i < 5; i++) {
            in.put(more);
        }
        in.flip();
        ServerAuthMethod.Outcome o = null;
        for (int i = 0; i < 5; i++) {
            o = e.step(in, out);
        }
        assertEquals(ServerAuthMethod.Kind.FAILED, o.kind());
        assertTrue(o.reason().contains("more than " + GssapiAuthMethod.MAX_ROUNDS + " context tokens"), o.reason());
        assertEquals("01010000".repeat(GssapiAuthMethod.MAX_ROUNDS) + "01ff", hex(out));
        // The failure counts like a failed password: after the free ones, the next client waits.
        for (int i = 0; i < 20; i++) {
            ServerAuthMethod.Outcome bad = new GssapiAuthMethod(acceptor, throttle)
                    .begin(InetAddress.getLoopbackAddress())
                    .step(ByteBuffer.wrap(HEX.parseHex("01010001" + "ee")), ByteBuffer.allocate(100));
            if (bad.kind() != ServerAuthMethod.Kind.FAILED) {
                break;
            }
        }
        ServerAuthMethod.Outcome next = new GssapiAuthMethod(acceptor, throttle).begin(InetAddress.getLoopbackAddress())
                .step(ByteBuffer.wrap(HEX.parseHex("01010001" + "01")), ByteBuffer.allocate(100));
        assertTrue(next.kind() == ServerAuthMethod.Kind.WAIT || next.kind() == ServerAuthMethod.Kind.FAILED,
                "a throttled address is held back or refused: " + next.kind());
    }
}
