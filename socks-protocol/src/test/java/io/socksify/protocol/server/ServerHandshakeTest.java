package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksVersion;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link ServerHandshake} without sockets: bytes in, answers out, from every split point of the input. */
class ServerHandshakeTest {
    private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    private static SocksServer server(SocksServer.Builder b) {
        return b.build();
    }

    /** Feeds {@code input} in two parts split at {@code split}; @return the answers and the last result. */
    private static Object[] run(SocksServer server, byte[] input, int split) {
        ServerHandshake h = new ServerHandshake(server.authMethods, CLIENT);
        ByteBuffer in = ByteBuffer.allocate(1024);
        ByteBuffer out = ByteBuffer.allocate(1024);
        in.put(input, 0, split).flip();
        ServerHandshake.Result r = h.advance(in, out);
        in.compact();
        in.put(input, split, input.length - split).flip();
        if (r == ServerHandshake.Result.MORE) {
            r = h.advance(in, out);
        }
        out.flip();
        byte[] answers = new byte[out.remaining()];
        out.get(answers);
        return new Object[] {r, answers, h, in.remaining()};
    }

    @Test
    void noAuthenticationThenAConnectRequestFromEverySplitPoint() {
        SocksServer server = server(SocksServer.builder());
        byte[] input = {
            0x05, 0x01, 0x00,                                 // VER 5, NMETHODS 1, no authentication
            0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50, // CONNECT 127.0.0.1:80
            'h', 'i'};                                        // early data: stays in the input
        for (int split = 0; split <= input.length; split++) {
            Object[] r = run(server, input, split);
            assertEquals(ServerHandshake.Result.REQUEST, r[0], "split " + split);
            assertArrayEquals(new byte[] {0x05, 0x00}, (byte[]) r[1], "split " + split);
            ServerHandshake h = (ServerHandshake) r[2];
            assertEquals(SocksVersion.SOCKS5, h.version());
            assertEquals(Socks5CommandType.CONNECT, h.command());
            assertEquals(SocksAddress.ofIp(InetAddress.getLoopbackAddress(), 80), h.destination());
            assertEquals(2, r[3], "the early data is left for the relay, split " + split);
        }
    }

    @Test
    void usernamePasswordIsThePlugInWithUsers() {
        SocksServer server = server(SocksServer.builder().user("alice", "s3cret"));
        byte[] good = concat(new byte[] {0x05, 0x02, 0x00, 0x02},
                new byte[] {0x01, 5, 'a', 'l', 'i', 'c', 'e', 6, 's', '3', 'c', 'r', 'e', 't'},
                new byte[] {0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0});
        Object[] r = run(server, good, 5);
        assertEquals(ServerHandshake.Result.REQUEST, r[0]);
        assertArrayEquals(new byte[] {0x05, 0x02, 0x01, 0x00}, (byte[]) r[1], "PASSWORD selected, then success");
        assertEquals("alice", ((ServerHandshake) r[2]).user());
        assertEquals(Socks5CommandType.UDP_ASSOCIATE, ((ServerHandshake) r[2]).command());

        byte[] noAuthOnly = {0x05, 0x01, 0x00};
        r = run(server, noAuthOnly, 1);
        assertEquals(ServerHandshake.Result.FAILED, r[0]);
        assertArrayEquals(new byte[] {0x05, (byte) 0xFF}, (byte[]) r[1]);
        assertEquals(-1, ((ServerHandshake) r[2]).replyCode());
        assertTrue(((ServerHandshake) r[2]).reason().contains("no acceptable authentication method"));
    }

    @Test
    void gssapiIsPreferredAndRequiresAuthentication() throws Exception {
        SocksServer server = server(SocksServer.builder().gssapi(java.nio.file.Path.of("no-such.keytab"), null));
        assertEquals(List.of(io.socksify.protocol.wire.Socks5AuthMethod.GSSAPI),
                server.authMethods.stream().map(ServerAuthMethod::method).toList());
        Object[] r = run(server, new byte[] {0x05, 0x02, 0x00, 0x01}, 4);
        assertEquals(ServerHandshake.Result.MORE, r[0], "GSS-API selected: waits for the first context token");
        assertArrayEquals(new byte[] {0x05, 0x01}, (byte[]) r[1]);
        assertEquals(Session.HANDSHAKE_BUFFER, ((ServerHandshake) r[2]).bufferSize(), "no token announced yet: "
                + "the small buffer (it grows to a token's declared length, GssapiAuthMethodTest)");
        r = run(server, new byte[] {0x05, 0x01, 0x00}, 3);
        assertEquals(ServerHandshake.Result.FAILED, r[0], "no authentication is not offered beside GSS-API");
        // A keytab that does not exist: the first token is answered with the RFC 1961 abort, the reason recorded.
        r = run(server, new byte[] {0x05, 0x01, 0x01, 0x01, 0x01, 0x00, 0x02, 0x60, 0x00}, 9);
        assertEquals(ServerHandshake.Result.FAILED, r[0]);
        assertArrayEquals(new byte[] {0x05, 0x01, 0x01, (byte) 0xFF}, (byte[]) r[1]);
        assertTrue(((ServerHandshake) r[2]).reason().contains("no-such.keytab"), ((ServerHandshake) r[2]).reason());
        assertNull(((ServerHandshake) r[2]).principal());
    }

    @Test
    void aKeytabThatCannotLogInFailsTheStartNamingIt() {
        SocksServer server = SocksServer.builder().port(0).gssapi(java.nio.file.Path.of("no-such.keytab"), null)
                .build();
        java.io.IOException e = assertThrows(java.io.IOException.class, server::start);
        assertTrue(e.getMessage().startsWith("GSS-API: cannot log in with keytab no-such.keytab: it cannot be read"),
                e.getMessage());
        assertThrows(IllegalStateException.class, server::address, "nothing was bound");
        server.close();
    }

    @Test
    void socks4aNeedsOneMessageAndABadFirstByteClosesWithoutAnswer() {
        SocksServer server = server(SocksServer.builder());
        byte[] socks4a = {0x04, 0x01, 0x00, 0x50, 0, 0, 0, 1, 'u', 0, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
        for (int split = 0; split <= socks4a.length; split++) {
            Object[] r = run(server, socks4a, split);
            assertEquals(ServerHandshake.Result.REQUEST, r[0], "split " + split);
            assertEquals(SocksVersion.SOCKS4A, ((ServerHandshake) r[2]).version());
            assertEquals("u", ((ServerHandshake) r[2]).user());
            assertEquals(0, ((byte[]) r[1]).length, "SOCKS4 answers only the request, later");
        }
        Object[] r = run(server, "GET /".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 5);
        assertEquals(ServerHandshake.Result.CLOSE, r[0]);
        assertTrue(((ServerHandshake) r[2]).reason().contains("first byte is 0x47"));
    }

    private static byte[] concat(byte[]... parts) {
        byte[] all = new byte[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, off, p.length);
            off += p.length;
        }
        return all;
    }
}
