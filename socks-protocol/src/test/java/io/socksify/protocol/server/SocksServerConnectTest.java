package io.socksify.protocol.server;

import static io.socksify.protocol.server.Peers.LOCALHOST;
import static io.socksify.protocol.server.Peers.OTHER_LOOPBACK;
import static io.socksify.protocol.server.Peers.concat;
import static io.socksify.protocol.server.Peers.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks4CommandRequest;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandType;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5InitialRequest;
import io.socksify.protocol.wire.Socks5PasswordAuthRequest;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SocksServerConnectTest {
    private static final byte[] HELLO = "hello, target".getBytes(StandardCharsets.US_ASCII);

    private Peers.EchoTarget target;
    private SocksServer server;

    @BeforeEach
    void startTarget() throws IOException {
        target = new Peers.EchoTarget();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        target.close();
    }

    private SocksServer start(SocksServer.Builder b) throws IOException {
        server = b.port(0).start();
        return server;
    }

    private SessionRecord onlyRecord() throws Exception {
        List<SessionRecord> r = server.awaitRecords(1, Duration.ofSeconds(10));
        assertEquals(1, r.size(), r.toString());
        return r.get(0);
    }

    private byte[] socks5Connect(SocksAddress dst) {
        return new Socks5CommandRequest(Socks5CommandType.CONNECT, dst).toBytes();
    }

    @Test
    void relaysSocks5ConnectToIpv4AndRecordsIt() throws Exception {
        start(SocksServer.builder());
        int port = target.address().getPort();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            // VER=05 NMETHODS=01 METHODS=00
            c.write(hex("05 01 00")).expect("05 00");
            // VER=05 CMD=01 RSV=00 ATYP=01 DST.ADDR=127.0.0.1 DST.PORT
            c.write(concat(hex("05 01 00 01 7f000001"), new byte[] {(byte) (port >> 8), (byte) port}));
            Socks5CommandResponse reply = c.readSocks5Reply();
            assertEquals(Socks5CommandStatus.SUCCEEDED, reply.status());
            assertEquals(LOCALHOST, reply.bound().ip(), "BND.ADDR: the address the server connects from");
            assertArrayEquals(HELLO, c.echo(HELLO));
        }
        SessionRecord r = onlyRecord();
        assertEquals(SocksVersion.SOCKS5, r.version());
        assertEquals(Socks5CommandType.CONNECT, r.command());
        assertEquals(SocksAddress.ofIp(LOCALHOST, port), r.destination());
        assertEquals(0, r.reply());
        assertTrue(r.succeeded());
        assertEquals(HELLO.length, r.bytesFromClient());
        assertEquals(HELLO.length, r.bytesToClient());
        assertEquals(LOCALHOST, r.client().getAddress());
        assertNull(r.user());
        assertFalse(r.end().isBefore(r.start()));
        assertNull(r.failure(), "a clean end has no failure");
    }

    @Test
    void relaysSocks5ConnectToIpv6() throws Exception {
        InetAddress v6 = Peers.address("::1");
        try (Peers.EchoTarget t6 = new Peers.EchoTarget(v6)) {
            start(SocksServer.builder());
            try (Peers.RawClient c = new Peers.RawClient(server.address())) {
                c.write(hex("05 01 00")).expect("05 00");
                c.write(socks5Connect(SocksAddress.ofIp(v6, t6.address().getPort())));
                Socks5CommandResponse reply = c.readSocks5Reply();
                assertEquals(Socks5CommandStatus.SUCCEEDED, reply.status());
                assertEquals(v6, reply.bound().ip(), "an IPv6 BND.ADDR (22-byte reply)");
                assertArrayEquals(HELLO, c.echo(HELLO));
            }
            SessionRecord r = onlyRecord();
            assertEquals(SocksAddress.ofIp(v6, t6.address().getPort()), r.destination());
        }
    }

    @Test
    void resolvesSocks5DomainAtTheServerAndRecordsTheName() throws Exception {
        start(SocksServer.builder());
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(socks5Connect(SocksAddress.ofHost("localhost", target.address().getPort())));
            assertEquals(Socks5CommandStatus.SUCCEEDED, c.readSocks5Reply().status());
            assertArrayEquals(HELLO, c.echo(HELLO));
        }
        SessionRecord r = onlyRecord();
        assertTrue(r.destination().isDomain());
        assertEquals("localhost", r.destination().domain());
    }

    @Test
    void relaysSocks4Connect() throws Exception {
        start(SocksServer.builder());
        int port = target.address().getPort();
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            // VN=04 CD=01 DSTPORT DSTIP=127.0.0.1 USERID="bob" NUL
            c.write(concat(hex("04 01"), new byte[] {(byte) (port >> 8), (byte) port}, hex("7f000001 626f62 00")));
            byte[] reply = c.read(8);
            assertEquals(0x00, reply[0], "VN");
            assertEquals(0x5A, reply[1] & 0xFF, "CD 90: granted");
            assertArrayEquals(HELLO, c.echo(HELLO));
        }
        SessionRecord r = onlyRecord();
        assertEquals(SocksVersion.SOCKS4, r.version());
        assertEquals("bob", r.user());
        assertEquals(90, r.reply());
        assertTrue(r.succeeded());
    }

    @Test
    void resolvesSocks4aHostName() throws Exception {
        start(SocksServer.builder());
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(new Socks4CommandRequest(Socks4CommandType.CONNECT,
                    SocksAddress.ofHost("localhost", target.address().getPort()), "").toBytes());
            assertTrue(Socks4CommandResponse.decode(java.nio.ByteBuffer.wrap(c.read(8))).status().isSuccess());
            assertArrayEquals(HELLO, c.echo(HELLO));
        }
        SessionRecord r = onlyRecord();
        assertEquals(SocksVersion.SOCKS4A, r.version());
        assertEquals("localhost", r.destination().domain());
    }

    @Test
    void jdkSocksClientConnectsThroughTheServer() throws Exception {
        start(SocksServer.builder());
        Proxy proxy = new Proxy(Proxy.Type.SOCKS, server.address());
        // Resolved: the JDK sends an IPv4 ATYP. Unresolved: it sends the name (ATYP 3).
        for (InetSocketAddress dst : List.of(target.address(),
                InetSocketAddress.createUnresolved("localhost", target.address().getPort()))) {
            try (Socket s = new Socket(proxy)) {
                s.setSoTimeout(5000);
                s.connect(dst, 5000);
                s.getOutputStream().write(HELLO);
                assertArrayEquals(HELLO, s.getInputStream().readNBytes(HELLO.length));
            }
        }
        List<SessionRecord> records = server.awaitRecords(2, Duration.ofSeconds(10));
        assertEquals(1, records.stream().filter(x -> x.destination().isDomain()).count(), records.toString());
    }

    @Test
    void jdkSocksClientAuthenticatesWithUsernameAndPassword() throws Exception {
        start(SocksServer.builder().user("alice", "wonderland").user("bob", "builder"));
        Authenticator.setDefault(new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return new PasswordAuthentication("bob", "builder".toCharArray());
            }
        });
        try (Socket s = new Socket(new Proxy(Proxy.Type.SOCKS, server.address()))) {
            s.setSoTimeout(5000);
            s.connect(target.address(), 5000);
            s.getOutputStream().write(HELLO);
            assertArrayEquals(HELLO, s.getInputStream().readNBytes(HELLO.length));
        } finally {
            Authenticator.setDefault(null);
        }
        assertEquals("bob", onlyRecord().user());
    }

    @Test
    void acceptsEachOfSeveralUsersAndRejectsAWrongPassword() throws Exception {
        start(SocksServer.builder().user("alice", "wonderland").user("bob", "builder"));
        for (String[] creds : new String[][] {{"alice", "wonderland"}, {"bob", "builder"}}) {
            try (Peers.RawClient c = new Peers.RawClient(server.address())) {
                c.write(Socks5InitialRequest.of(Socks5AuthMethod.NO_AUTH, Socks5AuthMethod.PASSWORD).toBytes())
                        .expect("05 02");
                c.write(new Socks5PasswordAuthRequest(creds[0], creds[1]).toBytes()).expect("01 00");
                c.write(socks5Connect(SocksAddress.of(target.address())));
                assertEquals(Socks5CommandStatus.SUCCEEDED, c.readSocks5Reply().status());
                assertArrayEquals(HELLO, c.echo(HELLO));
            }
        }
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(Socks5InitialRequest.of(Socks5AuthMethod.PASSWORD).toBytes()).expect("05 02");
            c.write(new Socks5PasswordAuthRequest("alice", "builder").toBytes()).expect("01 01");
            c.expectClosed();
        }
        List<SessionRecord> r = server.awaitRecords(3, Duration.ofSeconds(10));
        // Sessions end on different selector threads: the records' order is not the clients' order.
        assertEquals(java.util.Set.of("alice", "bob"), r.stream().filter(SessionRecord::succeeded)
                .map(SessionRecord::user).collect(java.util.stream.Collectors.toSet()));
        SessionRecord failed = r.stream().filter(x -> !x.succeeded()).findFirst().orElseThrow();
        assertEquals(-1, failed.reply());
        assertTrue(failed.failure().contains("authentication failed for user alice"), failed.failure());
        assertFalse(failed.toString().contains("builder"), "no password in the record: " + failed);
    }

    @Test
    void answersNoAcceptableMethodWhenUsersAreRequiredButNotOffered() throws Exception {
        start(SocksServer.builder().user("alice", "wonderland"));
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 FF");
            c.expectClosed();
        }
        assertTrue(onlyRecord().failure().contains("no acceptable authentication method"));
    }

    @Test
    void rejectsSocks4WhenUsersAreConfigured() throws Exception {
        start(SocksServer.builder().user("alice", "wonderland"));
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(new Socks4CommandRequest(Socks4CommandType.CONNECT, SocksAddress.of(target.address()), "alice")
                    .toBytes());
            assertEquals(0x5B, c.read(8)[1] & 0xFF, "CD 91");
            c.expectClosed();
        }
        assertTrue(target.sources.isEmpty(), "nothing reached the target");
        assertEquals(91, onlyRecord().reply());
    }

    @Test
    void takesGreetingAuthRequestAndDataInOneWrite() throws Exception {
        start(SocksServer.builder().user("alice", "wonderland"));
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(concat(Socks5InitialRequest.of(Socks5AuthMethod.PASSWORD).toBytes(),
                    new Socks5PasswordAuthRequest("alice", "wonderland").toBytes(),
                    socks5Connect(SocksAddress.of(target.address())), HELLO));
            c.expect("05 02");
            c.expect("01 00");
            assertEquals(Socks5CommandStatus.SUCCEEDED, c.readSocks5Reply().status());
            assertArrayEquals(HELLO, c.read(HELLO.length), "the bytes right behind the request reached the target");
        }
        SessionRecord r = onlyRecord();
        assertEquals(HELLO.length, r.bytesFromClient());
        assertEquals(HELLO.length, r.bytesToClient());
    }

    @Test
    void takesTheHandshakeOneByteAtATime() throws Exception {
        start(SocksServer.builder().user("alice", "wonderland"));
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.writeSlowly(Socks5InitialRequest.of(Socks5AuthMethod.PASSWORD).toBytes()).expect("05 02");
            c.writeSlowly(new Socks5PasswordAuthRequest("alice", "wonderland").toBytes()).expect("01 00");
            c.writeSlowly(concat(socks5Connect(SocksAddress.ofHost("localhost", target.address().getPort())),
                    HELLO));
            assertEquals(Socks5CommandStatus.SUCCEEDED, c.readSocks5Reply().status());
            assertArrayEquals(HELLO, c.read(HELLO.length));
        }
    }

    @Test
    void takesSocks4aAndDataOneByteAtATime() throws Exception {
        start(SocksServer.builder());
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.writeSlowly(concat(new Socks4CommandRequest(Socks4CommandType.CONNECT,
                    SocksAddress.ofHost("localhost", target.address().getPort()), "x").toBytes(), HELLO));
            assertEquals(0x5A, c.read(8)[1] & 0xFF);
            assertArrayEquals(HELLO, c.read(HELLO.length));
        }
    }

    @Test
    void answersConnectionRefusedWith5() throws Exception {
        start(SocksServer.builder());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, LOCALHOST)) {
            closedPort = s.getLocalPort();
        }
        assertEquals(Socks5CommandStatus.CONNECTION_REFUSED, connectStatus(SocksAddress.ofIp(LOCALHOST, closedPort)));
        SessionRecord r = onlyRecord();
        assertEquals(5, r.reply());
        assertTrue(r.failure().contains("refused"), r.failure());
    }

    @Test
    void answersAnUnresolvableNameWith4() throws Exception {
        start(SocksServer.builder());
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE, connectStatus(SocksAddress.ofHost("no-such-host.invalid",
                80)));
        assertTrue(onlyRecord().failure().contains("cannot resolve no-such-host.invalid"));
    }

    @Test
    void answersNetworkUnreachableWith3WhenTheOutgoingAddressCannotReachTheFamily() throws Exception {
        start(SocksServer.builder().outgoingBindAddress(OTHER_LOOPBACK));
        assertEquals(Socks5CommandStatus.NETWORK_UNREACHABLE, connectStatus(SocksAddress.ofIp(Peers.address("::1"),
                target.address().getPort())));
    }

    @Test
    void mapsConnectFailuresToTruthfulReplies() {
        assertEquals(Socks5CommandStatus.NETWORK_UNREACHABLE,
                Session.statusFor(new SocketException("Network is unreachable")));
        assertEquals(Socks5CommandStatus.HOST_UNREACHABLE,
                Session.statusFor(new java.net.NoRouteToHostException("No route to host")));
        assertEquals(Socks5CommandStatus.CONNECTION_REFUSED,
                Session.statusFor(new java.net.ConnectException("Connection refused")));
        assertEquals(Socks5CommandStatus.TTL_EXPIRED,
                Session.statusFor(new java.net.ConnectException("Connection timed out")));
        assertEquals(Socks5CommandStatus.GENERAL_FAILURE, Session.statusFor(new IOException("something else")));
    }

    @Test
    void answersAConnectTimeoutWith6() throws Exception {
        start(SocksServer.builder().connectTimeout(Duration.ofMillis(300)));
        // A listener whose accept queue is full drops further SYNs: connecting to it hangs.
        try (ServerSocket full = new ServerSocket(0, 1, LOCALHOST)) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket f = new Socket();
                    try {
                        f.connect(full.getLocalSocketAddress(), 200);
                    } catch (IOException e) {
                        f.close();
                        break;
                    }
                    fillers.add(f);
                }
                long t0 = System.nanoTime();
                assertEquals(Socks5CommandStatus.TTL_EXPIRED, connectStatus(SocksAddress.ofIp(LOCALHOST,
                        full.getLocalPort())));
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            } finally {
                for (Socket f : fillers) {
                    f.close();
                }
            }
        }
        assertTrue(onlyRecord().failure().contains("timed out"));
    }

    @Test
    void answersDestinationsOutsideTheRulesWith2() throws Exception {
        start(SocksServer.builder().allowDestinations("10.0.0.0/8", "*.example.com", "localhost"));
        assertEquals(Socks5CommandStatus.NOT_ALLOWED, connectStatus(SocksAddress.of(target.address())));
        assertEquals(Socks5CommandStatus.NOT_ALLOWED, connectStatus(SocksAddress.ofHost("example.org", 80)));
        // Allowed by its name, though 127.0.0.1 is not in 10.0.0.0/8.
        assertEquals(Socks5CommandStatus.SUCCEEDED, connectStatus(SocksAddress.ofHost("localhost",
                target.address().getPort())));
        List<SessionRecord> r = server.awaitRecords(3, Duration.ofSeconds(10));
        assertEquals(2, r.stream().filter(x -> x.reply() == 2).count());
        assertEquals(1, target.awaitSources(1).size(), "only the allowed request reached the target");
    }

    @Test
    void checksNamesAgainstNetworkRulesAfterResolving() throws Exception {
        start(SocksServer.builder().allowDestinations("127.0.0.0/8"));
        assertEquals(Socks5CommandStatus.SUCCEEDED, connectStatus(SocksAddress.ofHost("localhost",
                target.address().getPort())));
        assertEquals(Socks5CommandStatus.NOT_ALLOWED, connectStatus(SocksAddress.ofIp(Peers.address("::1"),
                target.address().getPort())));
    }

    @Test
    void answersAnUnknownCommandWith7AndAnUnknownAddressTypeWith8() throws Exception {
        start(SocksServer.builder());
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            // CMD=09: unassigned
            c.write(hex("05 09 00 01 7f000001 0050"));
            assertEquals(Socks5CommandStatus.COMMAND_NOT_SUPPORTED, c.readSocks5Reply().status());
            c.expectClosed();
        }
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            // ATYP=02: unassigned
            c.write(hex("05 01 00 02 7f000001 0050"));
            assertEquals(Socks5CommandStatus.ADDRESS_TYPE_NOT_SUPPORTED, c.readSocks5Reply().status());
            c.expectClosed();
        }
        List<SessionRecord> r = server.awaitRecords(2, Duration.ofSeconds(10));
        assertEquals(java.util.Set.of(7, 8), r.stream().map(SessionRecord::reply)
                .collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void sendsFromTheOutgoingBindAddress() throws Exception {
        start(SocksServer.builder().outgoingBindAddress(OTHER_LOOPBACK));
        assertEquals(Socks5CommandStatus.SUCCEEDED, connectStatus(SocksAddress.of(target.address())));
        assertEquals(OTHER_LOOPBACK, target.awaitSources(1).get(0).getAddress(), "the target sees the configured "
                + "source");
    }

    @Test
    void holdsBackTheConnectReplyForTheReplyDelay() throws Exception {
        start(SocksServer.builder().replyDelay(Duration.ofMillis(400)));
        long t0 = System.nanoTime();
        assertEquals(Socks5CommandStatus.SUCCEEDED, connectStatus(SocksAddress.of(target.address())));
        assertTrue(System.nanoTime() - t0 >= 400_000_000L, "reply came before the delay");
    }

    @Test
    void passesHalfCloseOnInBothDirections() throws Exception {
        start(SocksServer.builder());
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(socks5Connect(SocksAddress.of(target.address())));
            assertEquals(Socks5CommandStatus.SUCCEEDED, c.readSocks5Reply().status());
            c.write(HELLO);
            c.socket.shutdownOutput();
            // The echo target sees EOF only if the server passed the half-close on; then it answers and closes.
            assertArrayEquals(HELLO, c.in.readAllBytes());
        }
        SessionRecord r = onlyRecord();
        assertNull(r.failure());
        assertEquals(HELLO.length, r.bytesToClient());
    }

    @Test
    void relaysLargeStreamsBothWaysAtOnceWithBackpressure() throws Exception {
        start(SocksServer.builder().bufferSize(4096));
        byte[] data = new byte[16 * 1024 * 1024];
        new Random(1).nextBytes(data);
        try (Socket s = new Socket(new Proxy(Proxy.Type.SOCKS, server.address()))) {
            s.setSoTimeout(20_000);
            s.connect(target.address(), 5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(data);
                    s.shutdownOutput();
                } catch (IOException ignored) {
                    // The reader's assertion reports it.
                }
            });
            writer.start();
            byte[] back = in.readAllBytes();
            writer.join();
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data),
                    MessageDigest.getInstance("SHA-256").digest(back));
        }
        SessionRecord r = onlyRecord();
        assertEquals(data.length, r.bytesFromClient());
        assertEquals(data.length, r.bytesToClient());
    }

    @Test
    void closesConnectionsBeyondTheCap() throws Exception {
        start(SocksServer.builder().maxConnections(1));
        try (Peers.RawClient first = new Peers.RawClient(server.address())) {
            first.write(hex("05 01 00")).expect("05 00");
            try (Peers.RawClient second = new Peers.RawClient(server.address())) {
                second.expectClosed();
            }
            SessionRecord r = onlyRecord();
            assertTrue(r.failure().contains("connection limit 1"), r.failure());
        }
    }

    @Test
    void closesClientsOutsideTheClientRules() throws Exception {
        start(SocksServer.builder().allowClients("10.0.0.0/8"));
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00"));
            c.expectClosed();
        }
        assertEquals("client not allowed", onlyRecord().failure());
    }

    @Test
    void refusesToBeAnOpenRelayOnANonLoopbackAddress() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SocksServer.builder().bind(Peers.address("0.0.0.0")).port(0).start());
        assertTrue(e.getMessage().contains("open relay"), e.getMessage());
        try (SocksServer s = SocksServer.builder().bind(Peers.address("0.0.0.0")).port(0).user("a", "b").start()) {
            assertTrue(s.address().getPort() > 0);
        }
        try (SocksServer s = SocksServer.builder().bind(Peers.address("0.0.0.0")).port(0).allowOpenRelay().start()) {
            assertTrue(s.address().getPort() > 0);
        }
    }

    @Test
    void bindsLoopbackByDefault() throws Exception {
        start(SocksServer.builder());
        assertEquals(LOCALHOST, server.address().getAddress());
    }

    @Test
    void awaitRecordsTimesOutNamingWhatIsOpen() throws Exception {
        start(SocksServer.builder());
        TimeoutException e = assertThrows(TimeoutException.class,
                () -> server.awaitRecords(1, Duration.ofMillis(100)));
        assertTrue(e.getMessage().contains("0 of 1"), e.getMessage());
    }

    private Socks5CommandStatus connectStatus(SocksAddress dst) throws IOException {
        try (Peers.RawClient c = new Peers.RawClient(server.address())) {
            c.write(hex("05 01 00")).expect("05 00");
            c.write(socks5Connect(dst));
            Socks5CommandStatus status = c.readSocks5Reply().status();
            if (!status.isSuccess()) {
                c.expectClosed();
            }
            return status;
        }
    }
}
