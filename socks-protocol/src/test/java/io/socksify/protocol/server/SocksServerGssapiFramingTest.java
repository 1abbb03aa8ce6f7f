package io.socksify.protocol.server;

import static io.socksify.protocol.server.Peers.LOCALHOST;
import static io.socksify.protocol.server.Peers.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.client.GssapiMechanism;
import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.testing.StandInGssapi;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedded server's RFC 1961 data path with a stand-in GSS-API mechanism (2 octets of overhead per token): a
 * client that sends its whole upload as many small {@code MTYP} 3 messages in one write, and then waits for the
 * target's answer (optionally after a half-close). The framing reads such messages off the socket many at a time;
 * what it holds once the socket is empty must still reach the target, without a readiness event that would never
 * come. Relay buffers of 1 KiB make the framing hold far more than one pass of the relay takes. Without the
 * half-close the relay used to hang (the target never got the tail); with it, the client's end of stream kept the
 * socket readable, which hid the bug, and the end must still follow the last byte.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocksServerGssapiFramingTest {
    private static final int UPLOAD = 256 * 1024;
    private static final int DOWNLOAD = 256 * 1024;
    private static final int CHUNK = 100;

    @ParameterizedTest(name = "half-close {0}")
    @ValueSource(booleans = {false, true})
    void smallMessagesInOneWriteAllReachTheTargetAndTheAnswerComesBack(boolean halfClose) throws Exception {
        byte[] upload = new byte[UPLOAD];
        byte[] download = new byte[DOWNLOAD];
        Random random = new Random(1961);
        random.nextBytes(upload);
        random.nextBytes(download);
        GssapiAcceptor acceptor = GssapiAcceptor.builder(Path.of("/nonexistent/stand-in.keytab"))
                .levels(GssapiAcceptor.Level.INTEGRITY).mechanism(new StandInGssapi()).build();
        try (SocksServer server = SocksServer.builder().port(0).bufferSize(1024).gssapi(acceptor).start();
                ServerSocket targetListener = new ServerSocket(0, 50, LOCALHOST);
                Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> target(targetListener,
                    halfClose, download));
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = new DataInputStream(s.getInputStream());
            out.write(hex("05 01 01"));
            assertArrayEquals(hex("05 01"), in.readNBytes(2));
            out.write(hex("01 01 0001 00"));
            assertArrayEquals(hex("01 01 0000"), in.readNBytes(4), "the stand-in's empty answer: established");
            GssapiMechanism.Context context = new StandInGssapi().established();
            byte[] level = context.wrap(new byte[] {(byte) Socks5GssapiProtectionLevel.INTEGRITY.code()}, 0, 1,
                    false);
            out.write(message(2, level));
            assertArrayEquals(message(2, level), in.readNBytes(4 + level.length), "integrity agreed");
            GssapiProtection protection = GssapiProtection.of(context, Socks5GssapiProtectionLevel.INTEGRITY);
            InputStream plainIn = protection.inputStream(in);

            InetSocketAddress target = (InetSocketAddress) targetListener.getLocalSocketAddress();
            byte[] request = new Socks5CommandRequest(Socks5CommandType.CONNECT,
                    SocksAddress.ofIp(LOCALHOST, target.getPort())).toBytes();
            out.write(message(3, context.wrap(request, 0, request.length, false)));
            byte[] reply = plainIn.readNBytes(10);
            assertEquals(0x00, reply[1], "the CONNECT succeeded");

            ByteArrayOutputStream messages = new ByteArrayOutputStream();
            for (int off = 0; off < upload.length; off += CHUNK) {
                messages.write(message(3, context.wrap(upload, off, Math.min(CHUNK, upload.length - off), false)));
            }
            out.write(messages.toByteArray());
            out.flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            byte[] answer = plainIn.readAllBytes();
            assertArrayEquals(upload, received.get(10, TimeUnit.SECONDS), "the target got the whole upload");
            assertEquals(DOWNLOAD, answer.length, "the answer, to the target's end of stream");
            assertArrayEquals(download, answer);
            s.close();

            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(StandInGssapi.PRINCIPAL, r.principal(), r.toString());
            assertEquals(Socks5GssapiProtectionLevel.INTEGRITY, r.gssapiLevel(), r.toString());
            assertEquals(UPLOAD, r.bytesFromClient(), r.toString());
            assertEquals(DOWNLOAD, r.bytesToClient(), r.toString());
            assertTrue(r.succeeded(), r.toString());
        }
    }

    /**
     * Accepts one connection; reads the upload (to its end of stream after a half-close, else its known length),
     * answers with {@code answer} and closes.
     */
    private static byte[] target(ServerSocket listener, boolean halfClose, byte[] answer) {
        try (Socket t = listener.accept()) {
            t.setSoTimeout(10_000);
            byte[] got = halfClose ? t.getInputStream().readAllBytes() : t.getInputStream().readNBytes(UPLOAD);
            t.getOutputStream().write(answer);
            return got;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] message(int mtyp, byte[] token) {
        byte[] m = Arrays.copyOf(new byte[] {1, (byte) mtyp, (byte) (token.length >> 8), (byte) token.length},
                4 + token.length);
        System.arraycopy(token, 0, m, 4, token.length);
        return m;
    }
}
