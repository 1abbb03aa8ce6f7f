package io.socksify.protocol.client;

import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.wire.Socks4CommandRequest;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandStatus;
import io.socksify.protocol.wire.Socks4CommandType;
import io.socksify.protocol.wire.Socks5AddressType;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5GssapiAbort;
import io.socksify.protocol.wire.Socks5GssapiEncapsulation;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.Socks5InitialRequest;
import io.socksify.protocol.wire.Socks5InitialResponse;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The client side of a SOCKS4, SOCKS4a or SOCKS5 handshake as a non-blocking state machine, fed and drained with
 * {@link ByteBuffer}s. It does no I/O and knows no clock: the blocking forms ({@link SocksHandshake}) and a
 * selector-driven caller both drive this one implementation of the protocol.
 *
 * <pre>
 * SOCKS5 (RFC 1928, RFC 1929)                     SOCKS4 / 4a
 *   client                 proxy                    client                 proxy
 *   VER NMETHODS METHODS --&gt;                         VN CD DSTPORT DSTIP
 *                     &lt;-- VER METHOD                 USERID NUL [HOST NUL] --&gt;
 *   [01 ULEN UNAME PLEN PASSWD --&gt;                                   &lt;-- VN CD DSTPORT DSTIP
 *                     &lt;-- VER STATUS]              (BIND: a second reply when the peer connects)
 *   VER CMD RSV ATYP DST.ADDR DST.PORT --&gt;
 *                     &lt;-- VER REP RSV ATYP BND.ADDR BND.PORT
 *   (BIND: a second reply when the peer connects)
 * </pre>
 *
 * <p>A caller loops on {@link #status()}: on {@link Status#WRITE} it drains {@link #writeTo(ByteBuffer)} to the
 * proxy; on {@link Status#READ} it reads from the proxy and passes the bytes to {@link #readFrom(ByteBuffer)}; on
 * {@link Status#DONE} the connection is ready and {@link #boundAddress()} holds {@code BND}. The greeting,
 * authentication and request are sent one at a time, each after the previous answer: some proxies lose bytes that
 * arrive before they ask for them.
 *
 * <p><b>Important:</b> {@code readFrom} never consumes a byte past the end of the message it is waiting for, so
 * application data that the proxy pipelines right behind its final reply stays in the caller's buffer. A blocking
 * caller can read exactly {@link #bytesNeeded()} bytes and so never reads past the reply either.
 *
 * <p>Authentication: the greeting offers {@code NO_AUTH} and every method the proxy's configuration has credentials
 * for (RFC 1929 username/password, RFC 1961 GSS-API with {@link GssapiOptions}); the proxy's selection picks one
 * authenticator, which runs its sub-negotiation through the same {@code writeTo}/{@code readFrom}. After GSS-API at
 * integrity or confidentiality the request and reply are RFC 1961 {@code MTYP} 3 messages and
 * {@link #gssapiProtection()} must wrap every byte that follows. Note: GSS-API's login and JGSS's
 * {@code initSecContext} may talk to the KDC (never to the proxy) inside {@code readFrom}.
 *
 * <p>Failures are thrown as {@link SocksConnectException}'s table says; after one, the status is
 * {@link Status#FAILED}. Instances are not thread-safe.
 */
public final class SocksClientHandshake {
    /** What the caller must do next. */
    public enum Status {
        /** Bytes wait in {@link #writeTo(ByteBuffer)}; send them. */
        WRITE,
        /** Read at least {@link #bytesNeeded()} bytes from the proxy and pass them to {@link #readFrom(ByteBuffer)}. */
        READ,
        /** The handshake succeeded; {@link #boundAddress()} is set. */
        DONE,
        /** The handshake failed with an exception; the connection is of no further use. */
        FAILED
    }

    /** The request this handshake makes. */
    public enum Command {
        CONNECT,
        /** Two replies: where the proxy listens ({@link #listenAddress()}), then who connected. */
        BIND,
        /** SOCKS5 only: the reply's {@code BND} is the relay for datagrams. */
        UDP_ASSOCIATE
    }

    private enum Phase { METHOD_SELECTION, AUTHENTICATION, REPLY, SECOND_REPLY, DONE, FAILED }

    /** The longest message a proxy sends: a SOCKS5 reply with a 255-octet domain name. */
    private static final int MAX_INCOMING = 4 + 1 + 255 + 2;
    /** The longest message of an authentication method: an RFC 1961 message with a 65,535-octet token. */
    private static final int MAX_AUTH_INCOMING = 4 + 0xFFFF;

    private final SocksProxy proxy;
    private final Command command;
    private final SocksAddress destination;
    private final String context;
    private final boolean socks5;
    private final boolean offersPassword;
    private final boolean offersGssapi;
    private ByteBuffer outgoing = ByteBuffer.allocate(0);
    private byte[] incoming = new byte[MAX_INCOMING];
    private int received;
    private Phase phase;
    private Socks5AuthMethod selectedMethod;
    private Socks5Authenticator authenticator;
    private GssapiProtection protection;
    private String unwrappedDataPathOnly;
    private InetSocketAddress listenAddress;
    private InetSocketAddress boundAddress;

    private SocksClientHandshake(SocksProxy proxy, Command command, InetSocketAddress target) throws IOException {
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.command = command;
        this.socks5 = proxy.version() == SocksVersion.SOCKS5;
        String what = switch (command) {
            case CONNECT -> "";
            case BIND -> "BIND for ";
            case UDP_ASSOCIATE -> "UDP ASSOCIATE from ";
        };
        String targetText = target.isUnresolved() ? Printable.field(target.getHostString()) + ":" + target.getPort()
                : SocksAddress.of(target).toString();
        this.context = proxy + " => " + what + targetText;
        try {
            this.destination = SocksAddress.of(target);
        } catch (IllegalArgumentException e) {
            throw new UnknownHostException(context + ": not a host name a proxy can resolve: " + e.getMessage());
        }
        this.offersPassword = socks5 && proxy.username() != null;
        this.offersGssapi = socks5 && proxy.gssapi() != null;
        if (offersGssapi) {
            this.unwrappedDataPathOnly = proxy.gssapi().unprotectedDataPath();
        }
        if (socks5) {
            checkSocks5Credentials();
            // Every method the client has credentials for; the proxy chooses.
            java.util.List<Socks5AuthMethod> methods = new java.util.ArrayList<>();
            methods.add(Socks5AuthMethod.NO_AUTH);
            if (offersGssapi) {
                methods.add(Socks5AuthMethod.GSSAPI);
            }
            if (offersPassword) {
                methods.add(Socks5AuthMethod.PASSWORD);
            }
            Socks5InitialRequest greeting = new Socks5InitialRequest(methods);
            queue(greeting.toBytes());
            phase = Phase.METHOD_SELECTION;
        } else {
            Socks4CommandRequest request = socks4Request();
            queue(request.toBytes());
            phase = Phase.REPLY;
        }
    }

    /**
     * A CONNECT handshake.
     *
     * @param destination a resolved address is sent as an IP address (never as a name); an unresolved one as a host
     *                    name for the proxy to resolve (SOCKS5 {@code ATYP} 3, SOCKS4a)
     * @throws SocksConnectException if the proxy's version cannot carry the destination (IPv6 with SOCKS4/4a, a host
     *                               name with SOCKS4) or the credentials are too long
     * @throws UnknownHostException  if the destination's host name is not one (empty, over 255 octets, invalid IDN)
     */
    public static SocksClientHandshake connect(SocksProxy proxy, InetSocketAddress destination) throws IOException {
        return new SocksClientHandshake(proxy, Command.CONNECT, Objects.requireNonNull(destination, "destination"));
    }

    /**
     * A BIND handshake (RFC 1928 section 4; SOCKS4 {@code CD} 2): the proxy listens for one connection from
     * {@code peer}. The status stays {@link Status#READ} after the first reply; {@link #listenAddress()} is then set
     * and the second reply arrives when the peer has connected.
     *
     * @param peer the address of the peer expected to connect (servers may use it to filter)
     */
    public static SocksClientHandshake bind(SocksProxy proxy, InetSocketAddress peer) throws IOException {
        return new SocksClientHandshake(proxy, Command.BIND, Objects.requireNonNull(peer, "peer"));
    }

    /**
     * A SOCKS5 UDP ASSOCIATE handshake (RFC 1928 section 7). The connection it runs on is the association's control
     * connection: the association ends when it closes.
     *
     * @param clientAddress the address the client will send datagrams from, or null if unknown (all zeros are sent:
     *                      never the destination, which servers such as Dante check against the datagrams' source)
     * @throws SocksConnectException with {@link Reason#COMMAND_NOT_SUPPORTED} for SOCKS4 and 4a, which have no UDP
     */
    public static SocksClientHandshake udpAssociate(SocksProxy proxy, InetSocketAddress clientAddress)
            throws IOException {
        InetSocketAddress from = clientAddress == null ? SocksAddress.unspecified().toInetSocketAddress() : clientAddress;
        if (proxy.version() != SocksVersion.SOCKS5) {
            throw SocksFailures.unsendable(proxy + " => UDP ASSOCIATE", proxy.version(), Reason.COMMAND_NOT_SUPPORTED,
                    "SOCKS4 and 4a have no UDP; a SOCKS5 proxy is needed");
        }
        return new SocksClientHandshake(proxy, Command.UDP_ASSOCIATE, from);
    }

    private void checkSocks5Credentials() throws SocksConnectException {
        if (!offersPassword) {
            return;
        }
        int ulen = proxy.username().getBytes(StandardCharsets.UTF_8).length;
        int plen = proxy.password().getBytes(StandardCharsets.UTF_8).length;
        if (ulen < 1 || ulen > 255) {
            throw SocksFailures.unsendable(context, SocksVersion.SOCKS5, Reason.INVALID_CREDENTIALS,
                    "the username has " + ulen + " octets in UTF-8 (expected: 1..255, RFC 1929)");
        }
        if (plen > 255) {
            throw SocksFailures.unsendable(context, SocksVersion.SOCKS5, Reason.INVALID_CREDENTIALS,
                    "the password has " + plen + " octets in UTF-8 (expected: at most 255, RFC 1929)");
        }
    }

    private Socks4CommandRequest socks4Request() throws SocksConnectException {
        SocksVersion version = proxy.version();
        if (destination.type() == Socks5AddressType.IPV6) {
            throw SocksFailures.unsendable(context, version, Reason.ADDRESS_TYPE_NOT_SUPPORTED,
                    "SOCKS4 and 4a cannot carry an IPv6 address; use SOCKS5");
        }
        if (destination.isDomain() && version == SocksVersion.SOCKS4) {
            throw SocksFailures.unsendable(context, version, Reason.ADDRESS_TYPE_NOT_SUPPORTED,
                    "SOCKS4 cannot send a host name for the proxy to resolve; use SOCKS4a or SOCKS5, "
                            + "or resolve the name first");
        }
        byte[] ip = destination.isDomain() ? null : destination.ip().getAddress();
        if (ip != null && ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0) {
            throw SocksFailures.unsendable(context, version, Reason.ADDRESS_TYPE_NOT_SUPPORTED,
                    "a SOCKS4 proxy reads DSTIP 0.0.0.x (x != 0) as the SOCKS4a marker, not as an address");
        }
        String userId = proxy.username() == null ? "" : proxy.username();
        int octets = userId.getBytes(StandardCharsets.UTF_8).length;
        if (octets > Socks4CommandRequest.MAX_USER_ID_LENGTH || userId.indexOf('\0') >= 0) {
            throw SocksFailures.unsendable(context, version, Reason.INVALID_CREDENTIALS,
                    "the SOCKS4 user id has " + octets + " octets in UTF-8 or contains NUL (expected: at most 255, "
                            + "no NUL)");
        }
        Socks4CommandType type = command == Command.BIND ? Socks4CommandType.BIND : Socks4CommandType.CONNECT;
        return new Socks4CommandRequest(type, destination, userId);
    }

    public Status status() {
        return switch (phase) {
            case DONE -> Status.DONE;
            case FAILED -> Status.FAILED;
            default -> outgoing.hasRemaining() ? Status.WRITE : Status.READ;
        };
    }

    /**
     * Copies the bytes waiting to be sent into {@code out}, as many as fit.
     *
     * @return the number of bytes copied
     */
    public int writeTo(ByteBuffer out) {
        int n = Math.min(out.remaining(), outgoing.remaining());
        if (n > 0) {
            ByteBuffer chunk = outgoing.slice();
            chunk.limit(n);
            out.put(chunk);
            outgoing.position(outgoing.position() + n);
        }
        return n;
    }

    /** @return the number of bytes waiting for {@link #writeTo(ByteBuffer)} */
    public int bytesToWrite() {
        return phase == Phase.DONE || phase == Phase.FAILED ? 0 : outgoing.remaining();
    }

    /**
     * The least number of bytes that can advance the handshake; no more than what is left of the message it waits
     * for. A blocking caller may read exactly this many and will never read past the proxy's last reply.
     *
     * @return 0 unless the status is {@link Status#READ}
     */
    public int bytesNeeded() {
        if (status() != Status.READ) {
            return 0;
        }
        return messageLength() - received;
    }

    /** The length of the incoming message, as far as the bytes received so far tell. */
    private int messageLength() {
        if (phase == Phase.METHOD_SELECTION) {
            return Socks5InitialResponse.LENGTH;
        }
        if (phase == Phase.AUTHENTICATION) {
            return authenticator.messageLength(incoming, received);
        }
        if (!socks5) {
            return Socks4CommandResponse.LENGTH;
        }
        if (encapsulated()) {
            // One RFC 1961 MTYP 3 message: VER MTYP LEN, then LEN octets (or the two-octet abort).
            if (received < 2 || (incoming[1] & 0xFF) == Socks5GssapiMessage.MTYP_ABORT) {
                return 2;
            }
            return received < 4 ? 4 : 4 + (((incoming[2] & 0xFF) << 8) | (incoming[3] & 0xFF));
        }
        // VER REP RSV ATYP, then the address: 4 or 16 bytes, or a length byte and the name; then 2 bytes of port.
        if (received < 4) {
            return 4;
        }
        return switch (incoming[3]) {
            case 0x01 -> 4 + 4 + 2;
            case 0x04 -> 4 + 16 + 2;
            case 0x03 -> received < 5 ? 5 : 5 + (incoming[4] & 0xFF) + 2;
            default -> 4; // the decoder has rejected it already
        };
    }

    /**
     * Consumes bytes from {@code in} (between its position and limit), never more than the handshake needs: bytes
     * behind the proxy's final reply stay in {@code in}. Stops early when the handshake has something to send.
     *
     * @return the number of bytes consumed
     * @throws IOException as the table in {@link SocksConnectException} says: a {@code SocksConnectException},
     *                     {@code NoRouteToHostException} or {@code UnknownHostException} for a failure the proxy
     *                     answered with, a {@code SocksProtocolException} for malformed bytes
     */
    public int readFrom(ByteBuffer in) throws IOException {
        int consumed = 0;
        while (status() == Status.READ && in.hasRemaining()) {
            int n = Math.min(bytesNeeded(), in.remaining());
            if (received + n > incoming.length) {
                // Only an authentication method's or an encapsulated message is longer than a plain SOCKS reply.
                incoming = java.util.Arrays.copyOf(incoming, Math.min(MAX_AUTH_INCOMING,
                        Math.max(received + n, 2 * incoming.length)));
            }
            in.get(incoming, received, n);
            received += n;
            consumed += n;
            try {
                parse();
            } catch (SocksProtocolException e) {
                phase = Phase.FAILED;
                throw SocksFailures.malformed(context, e);
            } catch (IOException | RuntimeException e) {
                phase = Phase.FAILED;
                throw e;
            }
        }
        return consumed;
    }

    /**
     * Tells the machine the proxy closed the connection (a read returned -1).
     *
     * @throws SocksProtocolException unless the handshake is done: how many bytes of which message arrived; or, if
     *                                the reply's failure code had arrived, the exception that code maps to (some
     *                                proxies close without sending {@code BND})
     */
    public void endOfStream() throws IOException {
        if (phase == Phase.DONE || phase == Phase.FAILED) {
            return;
        }
        IOException failure = failureReplyCutShort();
        if (failure != null) {
            phase = Phase.FAILED;
            throw failure;
        }
        if (phase == Phase.AUTHENTICATION) {
            int needed = messageLength() - received;
            phase = Phase.FAILED;
            throw authenticator.endOfStream(received, needed);
        }
        String message = waitingFor();
        phase = Phase.FAILED;
        throw SocksFailures.endOfStream(context, message, received, messageLength() - received);
    }

    /**
     * The exception to throw when the handshake's deadline passes; it says what the handshake was waiting for. The
     * handshake is {@link Status#FAILED} afterwards.
     *
     * @param timeoutMillis the time the whole handshake was given
     */
    public SocketTimeoutException timeoutException(long timeoutMillis) {
        String what = status() == Status.WRITE ? "the proxy to accept " + sending() : waitingFor();
        phase = Phase.FAILED;
        return SocksFailures.timeout(context, what, timeoutMillis);
    }

    /** @return the message the handshake waits for, in words, e.g. {@code "the SOCKS5 reply"} */
    public String waitingFor() {
        return switch (phase) {
            case METHOD_SELECTION -> "the SOCKS5 method selection";
            case AUTHENTICATION -> authenticator.waitingFor();
            case REPLY -> command == Command.BIND ? "the first " + versionName() + " BIND reply"
                    : "the " + versionName() + " reply";
            case SECOND_REPLY -> "the second " + versionName() + " BIND reply (a peer connecting)";
            case DONE, FAILED -> "nothing";
        };
    }

    private String sending() {
        return switch (phase) {
            case METHOD_SELECTION -> "the SOCKS5 greeting";
            case AUTHENTICATION -> authenticator.sending();
            default -> "the " + versionName() + " request";
        };
    }

    private String versionName() {
        return socks5 ? "SOCKS5" : "SOCKS4";
    }

    private void parse() throws IOException {
        ByteBuffer view = ByteBuffer.wrap(incoming, 0, received);
        switch (phase) {
            case METHOD_SELECTION -> {
                Socks5InitialResponse response = Socks5InitialResponse.decode(view);
                if (response != null) {
                    received = 0;
                    selectMethod(response.method());
                }
            }
            case AUTHENTICATION -> {
                if (received < authenticator.messageLength(incoming, received)) {
                    return;
                }
                received = 0;
                byte[] next = authenticator.receive(view);
                if (next != null) {
                    queue(next);
                } else if (authenticator.done()) {
                    protection = authenticator.protection();
                    if (unwrappedDataPathOnly != null && encapsulated()) {
                        throw SocksFailures.unprotectedDataPath(context, protection, unwrappedDataPathOnly);
                    }
                    sendRequest();
                }
            }
            case REPLY, SECOND_REPLY -> {
                if (encapsulated()) {
                    parseEncapsulatedReply(view);
                } else if (socks5) {
                    parseSocks5Reply(view);
                } else {
                    parseSocks4Reply(view);
                }
            }
            default -> throw new IllegalStateException("no read expected in phase " + phase);
        }
    }

    private void selectMethod(Socks5AuthMethod method) throws IOException {
        selectedMethod = method;
        if (method.equals(Socks5AuthMethod.NO_ACCEPTABLE_METHODS)) {
            throw SocksFailures.noAcceptableMethod(context, offersPassword);
        }
        if (offersGssapi && proxy.gssapi().level().encapsulates() && !method.equals(Socks5AuthMethod.GSSAPI)
                && (method.equals(Socks5AuthMethod.NO_AUTH) || method.equals(Socks5AuthMethod.PASSWORD))) {
            // Fail-closed: at integrity or confidentiality, another method would be an unprotected connection.
            throw SocksFailures.gssapiRequired(context, method, proxy.gssapi().level());
        }
        if (method.equals(Socks5AuthMethod.NO_AUTH)) {
            sendRequest();
            return;
        }
        if (method.equals(Socks5AuthMethod.PASSWORD) && offersPassword) {
            authenticator = new PasswordAuthenticator(context, proxy.username(), proxy.password());
        } else if (method.equals(Socks5AuthMethod.GSSAPI) && offersGssapi) {
            authenticator = new GssapiAuthenticator(context, proxy.gssapi(), proxy.address().getHostString());
        } else {
            throw new SocksProtocolException("SOCKS5 method selection: METHOD is " + method
                    + " (expected one the client offered: " + Socks5AuthMethod.NO_AUTH
                    + (offersGssapi ? " or " + Socks5AuthMethod.GSSAPI : "")
                    + (offersPassword ? " or " + Socks5AuthMethod.PASSWORD : "") + ")"
                    + (method.equals(Socks5AuthMethod.PASSWORD) ? "; the proxy wants a username and password, "
                    + "and none is configured" : "")
                    + (method.equals(Socks5AuthMethod.GSSAPI) ? "; the proxy wants GSS-API (Kerberos), "
                    + "and no GssapiOptions are configured" : ""));
        }
        phase = Phase.AUTHENTICATION;
        queue(authenticator.start());
    }

    /** Whether the request and replies travel as RFC 1961 MTYP 3 messages. */
    private boolean encapsulated() {
        return protection != null && protection.level().encapsulates();
    }

    private void parseEncapsulatedReply(ByteBuffer view) throws IOException {
        if (received < messageLength()) {
            return;
        }
        Socks5GssapiMessage m = Socks5GssapiMessage.decode(view, Socks5GssapiMessage.MTYP_ENCAPSULATION);
        received = 0;
        if (m instanceof Socks5GssapiAbort) {
            throw SocksFailures.gssapiRefused(context, "the proxy sent the RFC 1961 abort instead of "
                    + waitingFor(), null);
        }
        byte[] plain = protection.unwrap((Socks5GssapiEncapsulation) m);
        ByteBuffer reply = ByteBuffer.wrap(plain);
        Socks5CommandResponse response = Socks5CommandResponse.decode(reply);
        if (response == null || reply.hasRemaining()) {
            throw new SocksProtocolException("the " + versionName() + " reply in an RFC 1961 MTYP 3 message has "
                    + plain.length + " octets: " + (response == null ? "incomplete" : "more than one reply"));
        }
        if (!response.status().isSuccess()) {
            throw SocksFailures.socks5Reply(context, response.status(), destination.isDomain());
        }
        replied(response.bound().toInetSocketAddress());
    }

    private void sendRequest() throws IOException {
        Socks5CommandType type = switch (command) {
            case CONNECT -> Socks5CommandType.CONNECT;
            case BIND -> Socks5CommandType.BIND;
            case UDP_ASSOCIATE -> Socks5CommandType.UDP_ASSOCIATE;
        };
        byte[] request = new Socks5CommandRequest(type, destination).toBytes();
        if (encapsulated()) {
            // RFC 1961 section 5: at integrity and confidentiality the request is one MTYP 3 message.
            request = protection.wrap(request, 0, request.length).toBytes();
        }
        queue(request);
        phase = Phase.REPLY;
    }

    /**
     * @return the failure a partly received reply already tells (its version byte valid, its code a failure), or null.
     *         The whole reply is read before failing otherwise: closing a socket with unread bytes resets it.
     */
    private IOException failureReplyCutShort() {
        if ((phase != Phase.REPLY && phase != Phase.SECOND_REPLY) || received < 2 || encapsulated()) {
            return null;
        }
        if (socks5 && incoming[0] == 0x05 && incoming[1] != 0x00) {
            return SocksFailures.socks5Reply(context, Socks5CommandStatus.valueOf(incoming[1]), destination.isDomain());
        }
        if (!socks5 && (incoming[0] == 0x00 || incoming[0] == 0x04) && (incoming[1] & 0xFF) != 0x5A) {
            return SocksFailures.socks4Reply(context, proxy.version(), Socks4CommandStatus.valueOf(incoming[1]));
        }
        return null;
    }

    private void parseSocks5Reply(ByteBuffer view) throws IOException {
        Socks5CommandResponse reply = Socks5CommandResponse.decode(view);
        if (reply != null) {
            received = 0;
            if (!reply.status().isSuccess()) {
                throw SocksFailures.socks5Reply(context, reply.status(), destination.isDomain());
            }
            replied(reply.bound().toInetSocketAddress());
        }
    }

    private void parseSocks4Reply(ByteBuffer view) throws IOException {
        Socks4CommandResponse reply = Socks4CommandResponse.decode(view);
        if (reply != null) {
            received = 0;
            if (!reply.status().isSuccess()) {
                throw SocksFailures.socks4Reply(context, proxy.version(), reply.status());
            }
            replied(new InetSocketAddress(reply.address(), reply.port()));
        }
    }

    private void replied(InetSocketAddress bound) {
        if (command == Command.BIND && phase == Phase.REPLY) {
            listenAddress = bound;
            phase = Phase.SECOND_REPLY;
        } else {
            boundAddress = bound;
            phase = Phase.DONE;
        }
    }

    private void queue(byte[] message) {
        outgoing = ByteBuffer.wrap(message);
    }

    /**
     * Makes the handshake fail, before the request is sent, if the proxy agrees to a GSS-API level that wraps data
     * (integrity, confidentiality): for callers whose data path cannot wrap. Call before driving the handshake.
     *
     * @param use what to do instead, for the {@code SocketException}'s message
     * @return this
     */
    public SocksClientHandshake requireUnwrappedDataPath(String use) {
        this.unwrappedDataPathOnly = Objects.requireNonNull(use, "use");
        return this;
    }

    /**
     * Says that the caller wraps every byte that follows {@link Status#DONE} through {@link #gssapiProtection()}
     * (a UDP association's datagrams, the agent's GSS-API relay): a {@link GssapiOptions.Builder#unprotectedDataPath} given for the other data
     * paths of the same options does not refuse this handshake. Call before driving the handshake.
     *
     * @return this
     */
    public SocksClientHandshake wrapsDataPath() {
        this.unwrappedDataPathOnly = null;
        return this;
    }

    /**
     * @return the GSS-API protection the proxy agreed to (RFC 1961), or null when the selected method was not
     *         GSS-API; at integrity and confidentiality every byte after {@link Status#DONE} must go through it
     */
    public GssapiProtection gssapiProtection() {
        return protection;
    }

    public SocksProxy proxy() {
        return proxy;
    }

    public Command command() {
        return command;
    }

    /** @return the destination as sent: CONNECT's destination, BIND's peer, UDP ASSOCIATE's client address */
    public SocksAddress destination() {
        return destination;
    }

    /** @return the method the SOCKS5 proxy selected, or null before its answer and for SOCKS4 */
    public Socks5AuthMethod selectedMethod() {
        return selectedMethod;
    }

    /**
     * @return for BIND, {@code BND} of the first reply exactly as the proxy sent it (a wildcard means the proxy's own
     *         address: see {@link #replaceWildcard}); null before it and for other commands
     */
    public InetSocketAddress listenAddress() {
        return listenAddress;
    }

    /**
     * @return {@code BND} of the final reply as the proxy sent it (an unresolved address for a domain {@code ATYP}):
     *         for CONNECT the proxy's outgoing address, for BIND the connected peer, for UDP ASSOCIATE the relay;
     *         null until {@link Status#DONE}
     */
    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /** @return {@code "<proxy, password masked> => <destination>"}, the prefix of every error message */
    public String context() {
        return context;
    }

    /**
     * Replaces a wildcard address ({@code 0.0.0.0}, {@code ::}) that a proxy sent as {@code BND} with the address the
     * client reached the proxy at, keeping the port; SOCKS4 and RFC 1928 both give the wildcard that meaning.
     */
    public static InetSocketAddress replaceWildcard(InetSocketAddress reported, InetAddress proxyAddress) {
        if (!reported.isUnresolved() && reported.getAddress().isAnyLocalAddress() && proxyAddress != null) {
            return new InetSocketAddress(proxyAddress, reported.getPort());
        }
        return reported;
    }

    @Override
    public String toString() {
        return "SocksClientHandshake[" + context + ", " + command + ", " + phase + "]";
    }
}
