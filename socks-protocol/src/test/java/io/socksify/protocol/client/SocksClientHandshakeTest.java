package io.socksify.protocol.client;

import static io.socksify.protocol.client.ScriptedSocksPeer.concat;
import static io.socksify.protocol.client.ScriptedSocksPeer.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.client.SocksClientHandshake.Status;
import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandStatus;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5InitialResponse;
import io.socksify.protocol.wire.Socks5PasswordAuthResponse;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The non-blocking state machine, fed from buffers: no sockets. */
class SocksClientHandshakeTest {
    static final String PASSWORD = "s3cret-pw";
    static final InetSocketAddress PROXY_ADDRESS = new InetSocketAddress(ip("127.0.0.1"), 1080);
    static final SocksProxy SOCKS5 = SocksProxy.of(SocksVersion.SOCKS5, PROXY_ADDRESS);
    static final SocksProxy SOCKS5_ALICE = SOCKS5.withCredentials("alice", PASSWORD);
    static final SocksProxy SOCKS4 = SocksProxy.of(SocksVersion.SOCKS4, PROXY_ADDRESS);
    static final SocksProxy SOCKS4A = SocksProxy.of(SocksVersion.SOCKS4A, PROXY_ADDRESS);
    static final InetSocketAddress EXAMPLE_COM = InetSocketAddress.createUnresolved("example.com", 443);
    static final InetSocketAddress IPV4_DESTINATION = new InetSocketAddress(ip("10.1.2.3"), 80);
    static final byte[] APPLICATION_BYTES = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);

    // The client's side of a SOCKS5 CONNECT to example.com:443 with username/password.
    static final byte[] GREETING_WITH_PASSWORD = hex("""
            05        # VER
            02        # NMETHODS
            00 02     # NO_AUTH, PASSWORD
            """);
    static final byte[] AUTH_ALICE = hex("""
            01                            # VER of the sub-negotiation
            05 616c696365                 # ULEN, UNAME "alice"
            09 73336372 65742d7077        # PLEN, PASSWD "s3cret-pw"
            """);
    static final byte[] CONNECT_EXAMPLE_COM = hex("""
            05 01 00                      # VER, CMD CONNECT, RSV
            03 0b 6578616d706c652e636f6d  # ATYP DOMAINNAME, length 11, "example.com"
            01bb                          # DST.PORT 443
            """);
    // The proxy's side: method PASSWORD, auth ok, a reply whose BND is a domain name.
    static final byte[] SERVER_TRANSCRIPT = concat(
            new Socks5InitialResponse(Socks5AuthMethod.PASSWORD).toBytes(),
            Socks5PasswordAuthResponse.SUCCESS.toBytes(),
            new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED, SocksAddress.ofHost("proxy.lan", 40000)).toBytes());

    /** @return {@code hex} in the spaced form {@link ScriptedSocksPeer#hex(byte[])} prints */
    static String norm(String hex) {
        return hex(hex(hex));
    }

    static InetAddress ip(String literal) {
        return SocksAddress.parseLiteral(literal);
    }

    /** What the client sent and what it left unread, after driving the machine over the proxy's chunks. */
    record Driven(byte[] sent, byte[] unread) {
    }

    /** Drives {@code handshake} as a selector loop would: drain writes, feed reads chunk by chunk. */
    static Driven drive(SocksClientHandshake handshake, List<byte[]> chunks) throws IOException {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(7); // small on purpose: writes take several calls
        int next = 0;
        ByteBuffer in = ByteBuffer.allocate(0);
        while (handshake.status() == Status.WRITE || handshake.status() == Status.READ) {
            if (handshake.status() == Status.WRITE) {
                out.clear();
                handshake.writeTo(out);
                sent.write(out.array(), 0, out.position());
                continue;
            }
            assertTrue(handshake.bytesNeeded() > 0, "bytesNeeded while reading");
            if (!in.hasRemaining()) {
                if (next == chunks.size()) {
                    break;
                }
                in = ByteBuffer.wrap(chunks.get(next++));
            }
            handshake.readFrom(in);
        }
        ByteArrayOutputStream unread = new ByteArrayOutputStream();
        unread.write(in.array(), in.position(), in.remaining());
        while (next < chunks.size()) {
            unread.writeBytes(chunks.get(next++));
        }
        return new Driven(sent.toByteArray(), unread.toByteArray());
    }

    static Driven drive(SocksClientHandshake handshake, byte[]... chunks) throws IOException {
        return drive(handshake, List.of(chunks));
    }

    @Test
    void sendsGreetingAuthAndDomainRequestOneAtATime() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, EXAMPLE_COM);
        assertEquals(Status.WRITE, handshake.status());
        Driven driven = drive(handshake, concat(SERVER_TRANSCRIPT, APPLICATION_BYTES));
        assertEquals(Status.DONE, handshake.status());
        assertEquals(hex(concat(GREETING_WITH_PASSWORD, AUTH_ALICE, CONNECT_EXAMPLE_COM)), hex(driven.sent()));
        assertEquals(InetSocketAddress.createUnresolved("proxy.lan", 40000), handshake.boundAddress());
        assertEquals(Socks5AuthMethod.PASSWORD, handshake.selectedMethod());
        assertArrayEquals(APPLICATION_BYTES, driven.unread(), "application bytes behind the reply were consumed");
    }

    @Test
    void reachesTheSameEndFromEverySplitPointOfTheTranscript() throws IOException {
        byte[] all = concat(SERVER_TRANSCRIPT, APPLICATION_BYTES);
        for (int split = 0; split <= SERVER_TRANSCRIPT.length; split++) {
            SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, EXAMPLE_COM);
            byte[] first = java.util.Arrays.copyOfRange(all, 0, split);
            byte[] rest = java.util.Arrays.copyOfRange(all, split, all.length);
            Driven driven = drive(handshake, first, rest);
            assertEquals(Status.DONE, handshake.status(), "split at " + split);
            assertEquals(hex(concat(GREETING_WITH_PASSWORD, AUTH_ALICE, CONNECT_EXAMPLE_COM)), hex(driven.sent()),
                    "split at " + split);
            assertArrayEquals(APPLICATION_BYTES, driven.unread(), "split at " + split);
        }
    }

    @Test
    void acceptsTheProxyOneByteAtATime() throws IOException {
        List<byte[]> bytes = new ArrayList<>();
        for (byte b : concat(SERVER_TRANSCRIPT, APPLICATION_BYTES)) {
            bytes.add(new byte[] {b});
        }
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, EXAMPLE_COM);
        Driven driven = drive(handshake, bytes);
        assertEquals(Status.DONE, handshake.status());
        assertArrayEquals(APPLICATION_BYTES, driven.unread());
    }

    @Test
    void tellsHowManyBytesTheReplyNeedsAsItsLengthBecomesKnown() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5, IPV4_DESTINATION);
        drive(handshake, new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes());
        assertEquals(4, handshake.bytesNeeded(), "VER REP RSV ATYP");
        handshake.readFrom(ByteBuffer.wrap(hex("05 00 00 03")));
        assertEquals(1, handshake.bytesNeeded(), "the domain's length byte");
        handshake.readFrom(ByteBuffer.wrap(hex("04")));
        assertEquals(4 + 2, handshake.bytesNeeded(), "the name and the port");
        handshake.readFrom(ByteBuffer.wrap(hex("686f7374 0050")));
        assertEquals(Status.DONE, handshake.status());
        assertEquals(0, handshake.bytesNeeded());
        assertEquals(InetSocketAddress.createUnresolved("host", 80), handshake.boundAddress());
    }

    static Stream<Arguments> replyAddresses() {
        return Stream.of(
                Arguments.of(SocksAddress.ofIp(ip("192.0.2.7"), 1234), 10),
                Arguments.of(SocksAddress.ofIp(ip("2001:db8::7"), 1234), 22),
                Arguments.of(SocksAddress.ofHost("relay.example", 1234), 7 + 13));
    }

    @ParameterizedTest
    @MethodSource("replyAddresses")
    void parsesRepliesOfEveryAddressType(SocksAddress bound, int length) throws IOException {
        byte[] reply = new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED, bound).toBytes();
        assertEquals(length, reply.length);
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5, IPV4_DESTINATION);
        Driven driven = drive(handshake, concat(new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes(), reply,
                APPLICATION_BYTES));
        assertEquals(Status.DONE, handshake.status());
        assertEquals(bound.toInetSocketAddress(), handshake.boundAddress());
        assertArrayEquals(APPLICATION_BYTES, driven.unread());
    }

    @Test
    void sendsIpLiteralsAsIpAddressesNeverAsNames() throws IOException {
        SocksClientHandshake v4 = SocksClientHandshake.connect(SOCKS5,
                InetSocketAddress.createUnresolved("10.1.2.3", 80));
        SocksClientHandshake v6 = SocksClientHandshake.connect(SOCKS5,
                InetSocketAddress.createUnresolved("[2001:db8::1]", 80));
        byte[] noAuth = new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes();
        assertEquals(norm("05 01 00" + "05 01 00 01 0a010203 0050"), hex(drive(v4, noAuth).sent()));
        assertEquals(norm("05 01 00" + "05 01 00 04 20010db8000000000000000000000001 0050"),
                hex(drive(v6, noAuth).sent()));
    }

    @Test
    void sendsSocks4ConnectWithUserId() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS4.withCredentials("bob", null),
                IPV4_DESTINATION);
        byte[] granted = new Socks4CommandResponse(Socks4CommandStatus.GRANTED, ip("0.0.0.0"), 0).toBytes();
        Driven driven = drive(handshake, concat(granted, APPLICATION_BYTES));
        assertEquals(hex(hex("""
                04 01       # VN 4, CD CONNECT
                0050        # DSTPORT 80
                0a010203    # DSTIP 10.1.2.3
                626f6200    # USERID "bob", NUL
                """)), hex(driven.sent()));
        assertEquals(Status.DONE, handshake.status());
        assertArrayEquals(APPLICATION_BYTES, driven.unread());
    }

    @Test
    void sendsSocks4aHostNames() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS4A, EXAMPLE_COM);
        Driven driven = drive(handshake, new Socks4CommandResponse(Socks4CommandStatus.GRANTED, ip("0.0.0.0"), 0)
                .toBytes());
        assertEquals(hex(hex("""
                04 01                      # VN 4, CD CONNECT
                01bb                       # DSTPORT 443
                00000001                   # DSTIP 0.0.0.1: SOCKS4a, the name follows
                00                         # empty USERID, NUL
                6578616d706c652e636f6d 00  # "example.com", NUL
                """)), hex(driven.sent()));
        assertEquals(Status.DONE, handshake.status());
    }

    @Test
    void bindsWithTwoReplies() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.bind(SOCKS5, IPV4_DESTINATION);
        drive(handshake, new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes(),
                new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED, SocksAddress.ofIp(ip("0.0.0.0"), 5000))
                        .toBytes());
        assertEquals(Status.READ, handshake.status(), "waits for the second reply");
        assertEquals(new InetSocketAddress(ip("0.0.0.0"), 5000), handshake.listenAddress());
        assertNull(handshake.boundAddress());
        assertEquals(new InetSocketAddress(PROXY_ADDRESS.getAddress(), 5000),
                SocksClientHandshake.replaceWildcard(handshake.listenAddress(), PROXY_ADDRESS.getAddress()));
        Driven driven = drive(handshake, concat(new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED,
                SocksAddress.ofIp(ip("10.1.2.3"), 20)).toBytes(), APPLICATION_BYTES));
        assertEquals(Status.DONE, handshake.status());
        assertEquals(new InetSocketAddress(ip("10.1.2.3"), 20), handshake.boundAddress());
        assertArrayEquals(APPLICATION_BYTES, driven.unread());
    }

    @Test
    void bindsWithSocks4() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.bind(SOCKS4, IPV4_DESTINATION);
        Driven first = drive(handshake,
                new Socks4CommandResponse(Socks4CommandStatus.GRANTED, ip("0.0.0.0"), 5000).toBytes());
        assertEquals(norm("04 02 0050 0a010203 00"), hex(first.sent()), "VN, CD BIND, DSTPORT, DSTIP, empty USERID");
        assertEquals(new InetSocketAddress(ip("0.0.0.0"), 5000), handshake.listenAddress());
        drive(handshake, new Socks4CommandResponse(Socks4CommandStatus.GRANTED, ip("10.1.2.3"), 20).toBytes());
        assertEquals(new InetSocketAddress(ip("10.1.2.3"), 20), handshake.boundAddress());
    }

    @Test
    void sendsUdpAssociateWithTheClientAddressOrZeros() throws IOException {
        byte[] noAuth = new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes();
        assertEquals(norm("05 01 00" + "05 03 00 01 00000000 0000"),
                hex(drive(SocksClientHandshake.udpAssociate(SOCKS5, null), noAuth).sent()), "zeros when unknown");
        assertEquals(norm("05 01 00" + "05 03 00 01 7f000001 3039"), hex(drive(
                SocksClientHandshake.udpAssociate(SOCKS5, new InetSocketAddress(ip("127.0.0.1"), 12345)), noAuth)
                .sent()), "the UDP socket's address");
    }

    @Test
    void skipsAuthenticationWhenTheProxyPicksNoAuthAlthoughPasswordWasOffered() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, IPV4_DESTINATION);
        Driven driven = drive(handshake, new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes(),
                Socks5CommandResponse.failure(Socks5CommandStatus.SUCCEEDED).toBytes());
        assertEquals(Status.DONE, handshake.status());
        assertEquals(norm("05 02 00 02" + "05 01 00 01 0a010203 0050"), hex(driven.sent()));
    }

    @Test
    void acceptsAnAuthenticationReplyWithVersion5() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, IPV4_DESTINATION);
        drive(handshake, new Socks5InitialResponse(Socks5AuthMethod.PASSWORD).toBytes(), hex("05 00"),
                Socks5CommandResponse.failure(Socks5CommandStatus.SUCCEEDED).toBytes());
        assertEquals(Status.DONE, handshake.status());
    }

    // ---- failures: the mapping table of SocksConnectException, row by row

    static Stream<Arguments> socks5ReplyCodes() {
        return Stream.of(
                Arguments.of(0x01, false, SocksConnectException.class, Reason.GENERAL_FAILURE),
                Arguments.of(0x01, true, UnknownHostException.class, null),
                Arguments.of(0x02, false, SocksConnectException.class, Reason.NOT_ALLOWED),
                Arguments.of(0x03, false, NoRouteToHostException.class, null),
                Arguments.of(0x03, true, NoRouteToHostException.class, null),
                Arguments.of(0x04, false, NoRouteToHostException.class, null),
                Arguments.of(0x04, true, UnknownHostException.class, null),
                Arguments.of(0x05, false, SocksConnectException.class, Reason.CONNECTION_REFUSED),
                Arguments.of(0x05, true, SocksConnectException.class, Reason.CONNECTION_REFUSED),
                Arguments.of(0x06, false, SocksConnectException.class, Reason.TTL_EXPIRED),
                Arguments.of(0x07, false, SocksConnectException.class, Reason.COMMAND_NOT_SUPPORTED),
                Arguments.of(0x08, false, SocksConnectException.class, Reason.ADDRESS_TYPE_NOT_SUPPORTED),
                Arguments.of(0x09, false, SocksConnectException.class, Reason.UNASSIGNED),
                Arguments.of(0x80, true, SocksConnectException.class, Reason.UNASSIGNED),
                Arguments.of(0xFF, false, SocksConnectException.class, Reason.UNASSIGNED));
    }

    @ParameterizedTest
    @MethodSource("socks5ReplyCodes")
    void mapsEverySocks5ReplyCode(int rep, boolean hostName, Class<? extends IOException> type, Reason reason)
            throws IOException {
        InetSocketAddress destination = hostName ? EXAMPLE_COM : IPV4_DESTINATION;
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, destination);
        drive(handshake, new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes());
        byte[] reply = Socks5CommandResponse.failure(Socks5CommandStatus.valueOf(rep)).toBytes();
        IOException e = assertThrows(IOException.class, () -> handshake.readFrom(ByteBuffer.wrap(reply)));
        assertEquals(type, e.getClass());
        if (reason != null) {
            SocksConnectException sce = (SocksConnectException) e;
            assertEquals(reason, sce.reason());
            assertEquals(rep, sce.replyCode());
            assertEquals(SocksVersion.SOCKS5, sce.version());
        }
        assertNamesProxyAndDestination(e, destination.getHostString());
        assertEquals(Status.FAILED, handshake.status());
    }

    @Test
    void reportsAFailureReplyThatTheProxyCutsShort() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5, IPV4_DESTINATION);
        drive(handshake, new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes(), hex("05 05"));
        assertEquals(Status.READ, handshake.status(), "reads the whole reply before failing");
        SocksConnectException e = assertThrows(SocksConnectException.class, handshake::endOfStream);
        assertEquals(Reason.CONNECTION_REFUSED, e.reason());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());

        SocksClientHandshake socks4 = SocksClientHandshake.connect(SOCKS4, IPV4_DESTINATION);
        drive(socks4, hex("00 5b 00"));
        assertEquals(Reason.CONNECTION_REFUSED,
                assertThrows(SocksConnectException.class, socks4::endOfStream).reason());
    }

    static Stream<Arguments> socks4ReplyCodes() {
        return Stream.of(
                Arguments.of(91, Reason.CONNECTION_REFUSED),
                Arguments.of(92, Reason.AUTHENTICATION_FAILED),
                Arguments.of(93, Reason.AUTHENTICATION_FAILED),
                Arguments.of(0, Reason.UNASSIGNED),
                Arguments.of(89, Reason.UNASSIGNED),
                Arguments.of(0xFF, Reason.UNASSIGNED));
    }

    @ParameterizedTest
    @MethodSource("socks4ReplyCodes")
    void mapsEverySocks4ReplyCode(int cd, Reason reason) throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS4A, EXAMPLE_COM);
        drive(handshake);
        byte[] reply = Socks4CommandResponse.of(Socks4CommandStatus.valueOf(cd)).toBytes();
        SocksConnectException e = assertThrows(SocksConnectException.class,
                () -> handshake.readFrom(ByteBuffer.wrap(reply)));
        assertEquals(reason, e.reason());
        assertEquals(cd, e.replyCode());
        assertEquals(SocksVersion.SOCKS4A, e.version());
        assertNamesProxyAndDestination(e, "example.com:443");
    }

    @Test
    void refusesWhenNoMethodIsAcceptable() throws IOException {
        SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5, IPV4_DESTINATION);
        drive(handshake);
        SocksConnectException e = assertThrows(SocksConnectException.class,
                () -> handshake.readFrom(ByteBuffer.wrap(hex("05 ff"))));
        assertEquals(Reason.NO_ACCEPTABLE_METHOD, e.reason());
        assertEquals(0xFF, e.replyCode());
        assertTrue(e.getMessage().contains("require a username and password"), e.getMessage());
        assertNamesProxyAndDestination(e, "10.1.2.3:80");
    }

    @Test
    void rejectsAMethodTheClientDidNotOffer() throws IOException {
        SocksClientHandshake gssapi = SocksClientHandshake.connect(SOCKS5_ALICE, IPV4_DESTINATION);
        drive(gssapi);
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> gssapi.readFrom(ByteBuffer.wrap(hex("05 01"))));
        assertTrue(e.getMessage().contains("METHOD is GSSAPI(0x01)"), e.getMessage());
        assertNamesProxyAndDestination(e, "10.1.2.3:80");

        SocksClientHandshake password = SocksClientHandshake.connect(SOCKS5, IPV4_DESTINATION);
        drive(password);
        SocksProtocolException p = assertThrows(SocksProtocolException.class,
                () -> password.readFrom(ByteBuffer.wrap(hex("05 02"))));
        assertTrue(p.getMessage().contains("none is configured"), p.getMessage());
    }

    @Test
    void reportsRefusedAuthenticationWithEitherVersion() throws IOException {
        for (String reply : List.of("01 01", "05 01", "01 ff")) {
            SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, EXAMPLE_COM);
            drive(handshake, new Socks5InitialResponse(Socks5AuthMethod.PASSWORD).toBytes());
            SocksConnectException e = assertThrows(SocksConnectException.class,
                    () -> handshake.readFrom(ByteBuffer.wrap(hex(reply))));
            assertEquals(Reason.AUTHENTICATION_FAILED, e.reason(), reply);
            assertEquals(hex(reply)[1] & 0xFF, e.replyCode());
            assertNamesProxyAndDestination(e, "example.com:443");
        }
    }

    @Test
    void rejectsMalformedReplies() throws IOException {
        record Case(String name, byte[] proxyBytes, String expected) {
        }
        byte[] noAuth = new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes();
        List<Case> cases = List.of(
                new Case("a SOCKS4 answer to a SOCKS5 greeting", hex("00 5a"), "VER is 0x00 (expected 0x05)"),
                new Case("an HTTP proxy", "HTTP/1.1 400".getBytes(StandardCharsets.US_ASCII), "VER is 0x48"),
                new Case("a reply of the wrong version", concat(noAuth, hex("04 00 00 01")), "VER is 0x04"),
                new Case("a non-zero RSV", concat(noAuth, hex("05 00 01 01")), "RSV is 0x01 (expected 0x00)"),
                new Case("an unknown ATYP", concat(noAuth, hex("05 00 00 02")), "ATYP is 0x02"),
                new Case("an empty domain", concat(noAuth, hex("05 00 00 03 00")), "domain name length is 0"),
                new Case("an auth reply of version 2", concat(hex("05 02"), hex("02 00")), "VER is 0x02"));
        for (Case c : cases) {
            SocksClientHandshake handshake = SocksClientHandshake.connect(SOCKS5_ALICE, IPV4_DESTINATION);
            SocksProtocolException e = assertThrows(SocksProtocolException.class,
                    () -> drive(handshake, c.proxyBytes()), c.name());
            assertTrue(e.getMessage().contains(c.expected()), c.name() + ": " + e.getMessage());
            assertNamesProxyAndDestination(e, "10.1.2.3:80");
            assertEquals(Status.FAILED, handshake.status());
        }
        SocksClientHandshake socks4 = SocksClientHandshake.connect(SOCKS4, IPV4_DESTINATION);
        SocksProtocolException e = assertThrows(SocksProtocolException.class, () -> drive(socks4, hex("05 00")));
        assertTrue(e.getMessage().contains("SOCKS4 reply: VN is 0x05 (expected 0x00)"), e.getMessage());
    }

    @Test
    void reportsEndOfStreamAsAProtocolErrorSayingWhatArrived() throws IOException {
        SocksClientHandshake silent = SocksClientHandshake.connect(SOCKS5, IPV4_DESTINATION);
        drive(silent);
        SocksProtocolException e = assertThrows(SocksProtocolException.class, silent::endOfStream);
        assertTrue(e.getMessage().contains("closed the connection instead of sending the SOCKS5 method selection"),
                e.getMessage());

        SocksClientHandshake truncated = SocksClientHandshake.connect(SOCKS5, IPV4_DESTINATION);
        drive(truncated, new Socks5InitialResponse(Socks5AuthMethod.NO_AUTH).toBytes(), hex("05 00 00 01 7f00"));
        SocksProtocolException t = assertThrows(SocksProtocolException.class, truncated::endOfStream);
        assertTrue(t.getMessage().contains("after 6 bytes of the SOCKS5 reply (expected at least 10)"),
                t.getMessage());
        assertNamesProxyAndDestination(t, "10.1.2.3:80");

        SocksClientHandshake auth = SocksClientHandshake.connect(SOCKS5_ALICE, IPV4_DESTINATION);
        drive(auth, new Socks5InitialResponse(Socks5AuthMethod.PASSWORD).toBytes());
        SocksProtocolException a = assertThrows(SocksProtocolException.class, auth::endOfStream);
        assertTrue(a.getMessage().contains("username/password reply"), a.getMessage());
        assertFalse(a.getMessage().contains(PASSWORD));
    }

    @Test
    void refusesWhatTheVersionCannotCarryBeforeSendingAnything() {
        SocksConnectException ipv6 = assertThrows(SocksConnectException.class,
                () -> SocksClientHandshake.connect(SOCKS4A, new InetSocketAddress(ip("2001:db8::1"), 80)));
        assertEquals(Reason.ADDRESS_TYPE_NOT_SUPPORTED, ipv6.reason());
        assertEquals(-1, ipv6.replyCode());
        assertTrue(ipv6.getMessage().contains("cannot carry an IPv6 address"), ipv6.getMessage());

        SocksConnectException name = assertThrows(SocksConnectException.class,
                () -> SocksClientHandshake.connect(SOCKS4, EXAMPLE_COM));
        assertEquals(Reason.ADDRESS_TYPE_NOT_SUPPORTED, name.reason());
        assertTrue(name.getMessage().contains("use SOCKS4a or SOCKS5"), name.getMessage());
        assertNamesProxyAndDestination(name, "example.com:443");

        SocksConnectException marker = assertThrows(SocksConnectException.class,
                () -> SocksClientHandshake.connect(SOCKS4A, new InetSocketAddress(ip("0.0.0.7"), 80)));
        assertTrue(marker.getMessage().contains("SOCKS4a marker"), marker.getMessage());

        SocksConnectException udp = assertThrows(SocksConnectException.class,
                () -> SocksClientHandshake.udpAssociate(SOCKS4A, null));
        assertEquals(Reason.COMMAND_NOT_SUPPORTED, udp.reason());
    }

    @Test
    void refusesCredentialsLongerThan255Octets() {
        String long256 = "x".repeat(256);
        SocksConnectException user = assertThrows(SocksConnectException.class, () -> SocksClientHandshake.connect(
                SOCKS5.withCredentials(long256, "pw"), IPV4_DESTINATION));
        assertEquals(Reason.INVALID_CREDENTIALS, user.reason());
        assertTrue(user.getMessage().contains("256 octets"), user.getMessage());

        // 128 two-octet characters: 128 chars, 256 octets in UTF-8.
        String longPassword = "\u00e9".repeat(128);
        SocksConnectException password = assertThrows(SocksConnectException.class, () -> SocksClientHandshake
                .connect(SOCKS5.withCredentials("alice", longPassword), IPV4_DESTINATION));
        assertEquals(Reason.INVALID_CREDENTIALS, password.reason());
        assertFalse(password.getMessage().contains(longPassword));

        assertThrows(SocksConnectException.class, () -> SocksClientHandshake.connect(SOCKS5.withCredentials("", "pw"),
                IPV4_DESTINATION));
        assertThrows(SocksConnectException.class, () -> SocksClientHandshake.connect(
                SOCKS4.withCredentials(long256, null), IPV4_DESTINATION));
        assertThrows(UnknownHostException.class, () -> SocksClientHandshake.connect(SOCKS5,
                InetSocketAddress.createUnresolved("a".repeat(256), 80)));
    }

    static void assertNamesProxyAndDestination(Exception e, String destination) {
        String message = e.getMessage();
        assertTrue(message.contains("127.0.0.1:1080"), "names the proxy: " + message);
        assertTrue(message.contains(destination), "names the destination: " + message);
        assertFalse(message.contains(PASSWORD), "shows the password: " + message);
        assertInstanceOf(IOException.class, e);
    }
}
