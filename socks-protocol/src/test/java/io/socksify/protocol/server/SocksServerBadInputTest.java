package io.socksify.protocol.server;

import static io.socksify.protocol.server.Peers.concat;
import static io.socksify.protocol.server.Peers.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.socksify.protocol.wire.Socks5CommandStatus;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Garbage, oversized lengths, wrong versions, truncated and slow handshakes: a clear reply or a clean close. */
@Timeout(60)
class SocksServerBadInputTest {
    private SocksServer server;

    @BeforeEach
    void start() throws IOException {
        server = SocksServer.builder().port(0).handshakeTimeout(Duration.ofMillis(500)).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private SessionRecord onlyRecord() throws Exception {
        return server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
    }

    @Test
    void closesOnAFirstByteThatIsNoSocksVersion() throws Exception {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write("GET / HTTP/1.1\r\n\r\n".getBytes());
            c.expectClosed();
        }
        assertTrue(onlyRecord().failure().contains("first byte is 0x47"), onlyRecord().failure());
    }

    @Test
    void answersAGreetingWithoutMethodsWithNoAcceptableMethod() throws Exception {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            // NMETHODS=00
            c.write(hex("05 00")).expect("05 FF");
            c.expectClosed();
        }
        assertTrue(onlyRecord().failure().contains("NMETHODS is 0"));
    }

    @Test
    void closesWithinTenSecondsOfAFailureReplyEvenIfTheClientStaysOpen() throws Exception {
        // RFC 1928 section 6: the server MUST close the connection within 10 seconds of a failure reply.
        assertTrue(SocksServer.LINGER_AFTER_FAILURE.compareTo(Duration.ofSeconds(10)) < 0);
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            // ATYP=05 is unknown: REP 8
            c.write(hex("05 01 00 05 00000000 0050"));
            assertEquals(Socks5CommandStatus.ADDRESS_TYPE_NOT_SUPPORTED, c.readSocks5Reply().status());
            long replied = System.nanoTime();
            // The client neither closes nor writes; the server must still end the connection.
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertTrue(System.nanoTime() - replied < Duration.ofSeconds(10).toNanos());
            assertEquals(8, r.reply());
            assertEquals(-1, c.in.read(), "the server's side is shut down after the reply");
            // Fully closed, not only shut down: writes to it end in a reset.
            assertThrows(IOException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    c.out.write(1);
                    c.out.flush();
                    Thread.sleep(20);
                }
            });
        }
    }

    @Test
    void answersAWrongVersionInTheRequestWithGeneralFailure() throws Exception {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            // VER=04 where 05 belongs
            c.write(hex("04 01 00 01 7f000001 0050"));
            assertEquals(Socks5CommandStatus.GENERAL_FAILURE, c.readSocks5Reply().status());
            c.expectClosed();
        }
        assertTrue(onlyRecord().failure().contains("VER is 0x04"), onlyRecord().failure());
    }

    @Test
    void answersANonZeroReservedByteWithGeneralFailure() throws Exception {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(hex("05 01 07 01 7f000001 0050"));
            assertEquals(Socks5CommandStatus.GENERAL_FAILURE, c.readSocks5Reply().status());
            c.expectClosed();
        }
    }

    @Test
    void rejectsAnAuthRequestWithAWrongVersionOrEmptyName() throws Exception {
        try (SocksServer s = SocksServer.builder().port(0).user("a", "b").start()) {
            for (String auth : List.of("02 01 61 01 62", "01 00 01 62")) {
                try (Peers.RawClient c = new Peers.RawClient(s.address())) {
                    c.write(hex("05 01 02")).expect("05 02");
                    c.write(hex(auth)).expect("01 01");
                    c.expectClosed();
                }
            }
        }
    }

    @Test
    void rejectsASocks4UserIdLongerThan255Octets() throws Exception {
        byte[] user = new byte[400];
        Arrays.fill(user, (byte) 'u');
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(concat(hex("04 01 0050 7f000001"), user, new byte[] {0}));
            assertEquals(0x5B, c.read(8)[1] & 0xFF);
            c.expectClosed();
        }
        assertTrue(onlyRecord().failure().contains("USERID is longer than 255"), onlyRecord().failure());
    }

    @Test
    void rejectsAUserIdThatIsNotUtf8() throws Exception {
        byte[] user = new byte[200];
        Arrays.fill(user, (byte) 0xFF);
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(concat(hex("04 01 0050 7f000001"), user, new byte[] {0}));
            assertEquals(0x5B, c.read(8)[1] & 0xFF);
            c.expectClosed();
        }
        assertTrue(onlyRecord().failure().startsWith("protocol error"), onlyRecord().failure());
    }

    @Test
    void rejectsAnEmptyDomainName() throws Exception {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(hex("05 01 00 03 00 0050"));
            assertEquals(Socks5CommandStatus.GENERAL_FAILURE, c.readSocks5Reply().status());
            c.expectClosed();
        }
    }

    @Test
    void closesATruncatedHandshakeWhenTheClientCloses() throws Exception {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(hex("05 01 00 03 0a 6c6f63"));
            c.socket.shutdownOutput();
            c.expectClosed();
        }
        assertTrue(onlyRecord().failure().contains("during the handshake"), onlyRecord().failure());
    }

    @Test
    void closesASlowHandshakeAtTheHandshakeTimeout() throws Exception {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            long t0 = System.nanoTime();
            c.write(hex("05"));
            c.expectClosed();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 400 && ms < 4000, "closed after " + ms + " ms");
        }
        assertTrue(onlyRecord().failure().contains("handshake timeout"));
    }

    @Test
    void survivesRandomGarbageAndStillServes() throws Exception {
        Random random = new Random(42);
        int rounds = 200;
        for (int i = 0; i < rounds; i++) {
            byte[] junk = new byte[1 + random.nextInt(600)];
            random.nextBytes(junk);
            if (i % 3 == 0) {
                junk[0] = 5;
            } else if (i % 3 == 1) {
                junk[0] = 4;
            }
            try (Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(junk);
                s.shutdownOutput();
                try {
                    // Whatever the server answers, it must end the connection: reply bytes then EOF, or a reset.
                    s.getInputStream().readAllBytes();
                } catch (SocketTimeoutException e) {
                    fail("no reply and no close for " + junk.length + " random bytes, round " + i);
                } catch (IOException e) {
                    // reset: a close
                }
            }
        }
        List<SessionRecord> records = server.awaitRecords(rounds, Duration.ofSeconds(20));
        assertEquals(rounds, records.size());
        assertEquals(0, server.activeSessions());
        try (Peers.EchoTarget target = new Peers.EchoTarget();
             Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(new io.socksify.protocol.wire.Socks5CommandRequest(
                    io.socksify.protocol.wire.Socks5CommandType.CONNECT,
                    io.socksify.protocol.wire.SocksAddress.of(target.address())).toBytes());
            assertEquals(Socks5CommandStatus.SUCCEEDED, c.readSocks5Reply().status());
        }
    }

    @Test
    void closeLeavesNoThreadsEvenWithSessionsInEveryState() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        SocksServer s = SocksServer.builder().port(0).start();
        try (Peers.EchoTarget target = new Peers.EchoTarget();
             Peers.RawClient idle = new Peers.RawClient(s.address());
             Peers.RawClient half = new Peers.RawClient(s.address());
             Peers.RawClient relaying = new Peers.RawClient(s.address());
             Peers.RawClient binding = new Peers.RawClient(s.address());
             Peers.RawClient udp = new Peers.RawClient(s.address());
             Peers.RawClient resolving = new Peers.RawClient(s.address())) {
            half.write(hex("05 01 00")).expect("05 00");
            relaying.write(hex("05 01 00")).expect("05 00");
            relaying.write(new io.socksify.protocol.wire.Socks5CommandRequest(
                    io.socksify.protocol.wire.Socks5CommandType.CONNECT,
                    io.socksify.protocol.wire.SocksAddress.of(target.address())).toBytes());
            relaying.readSocks5Reply();
            binding.write(hex("05 01 00 05 02 00 01 7f000001 0000")).expect("05 00");
            binding.readSocks5Reply();
            udp.write(hex("05 01 00 05 03 00 01 00000000 0000")).expect("05 00");
            udp.readSocks5Reply();
            resolving.write(hex("05 01 00 05 01 00 03 09 6c6f63616c686f7374 0001")).expect("05 00");
            assertTrue(s.activeSessions() >= 5, "sessions open: " + s.activeSessions());
            s.close();
            for (Peers.RawClient c : List.of(idle, half, relaying, binding, udp)) {
                c.expectClosed();
            }
            assertEquals(0, s.activeSessions());
        }
        Set<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && t.getName().startsWith("socksify"))
                .map(Thread::getName).collect(Collectors.toSet());
        assertEquals(Set.of(), left, "threads left after close()");
        int count = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t)
                && !t.getName().startsWith("echo-target")).mapToInt(t -> 1).sum();
        assertEquals(0, count, "threads beyond the baseline after close");
    }
}
