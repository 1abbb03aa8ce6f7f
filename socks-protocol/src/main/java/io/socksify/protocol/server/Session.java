package io.socksify.protocol.server;

import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.wire.Socks4CommandRequest;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandStatus;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5CommandRequest;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5InitialRequest;
import io.socksify.protocol.wire.Socks5InitialResponse;
import io.socksify.protocol.wire.Socks5PasswordAuthRequest;
import io.socksify.protocol.wire.Socks5PasswordAuthResponse;
import io.socksify.protocol.wire.SocksAddress;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One client connection, from the first byte to the end of the relay; confined to its {@link EventLoop}.
 *
 * <p>The client-to-target buffer {@code up} first collects the handshake: the codec decodes each message from it
 * as soon as it is complete (one write or one byte at a time), and whatever follows the request stays in it as the
 * first application bytes for the target. The target-to-client buffer {@code down} first carries the replies, so
 * a success reply always precedes the target's bytes. Until the relay starts both are small heap buffers; the two
 * direct relay buffers are taken only then, so connections in the handshake cost little, and a session that gets
 * no memory for them is answered with a general failure instead of taking its selector thread down.
 */
final class Session implements EventLoop.Handler {
    private enum State {
        VERSION, GREETING, AUTH, REQUEST, SOCKS4_REQUEST,
        RESOLVING, CONNECTING, REPLY_DELAY, BIND_WAIT, RELAY, UDP, FAILED, CLOSED;

        boolean handshake() {
            return ordinal() <= SOCKS4_REQUEST.ordinal();
        }
    }

    private static final System.Logger LOG = System.getLogger(SocksServer.class.getName());
    private static final int PUMP_ROUNDS = 4;
    /** Larger than any one handshake message (the longest, a SOCKS4a request, is 520 bytes). */
    static final int HANDSHAKE_BUFFER = 1024;

    final SocksServer server;
    final EventLoop loop;
    final SocketChannel client;
    private final InetSocketAddress clientAddress;
    private final Instant start;

    private State state = State.VERSION;
    private SelectionKey clientKey;
    private SocketChannel target;
    private SelectionKey targetKey;
    private ServerSocketChannel listener;
    private SelectionKey listenerKey;
    private UdpRelay udp;
    private ByteBuffer up;
    private ByteBuffer down;
    private EventLoop.Timer timer;
    private EventLoop.Timer connectTimer;
    private EventLoop.Timer idleTimer;
    /** Bytes and datagrams relayed when the idle timer last looked. */
    private long activitySeen = -1;
    private boolean relayBuffers;
    /** Whether the server counted this session against its client's per-IP limit. */
    boolean countedForClient;

    private boolean clientEof;
    private boolean targetEof;
    private boolean clientOutputShut;
    private boolean targetOutputShut;
    private boolean parsing;
    /** An RFC 1929 request held back by {@link AuthThrottle}, checked when {@link #authTimer} fires. */
    private Socks5PasswordAuthRequest pendingAuth;
    private EventLoop.Timer authTimer;
    private long authDelayNanos;
    private Socks5CommandType requestCommand;
    private SocksAddress requestDestination;

    private List<InetAddress> candidates;
    private int candidateIndex;
    private IOException lastConnectError;

    SocksVersion version;
    Socks5CommandType command;
    SocksAddress destination;
    private String user;
    private int reply = -1;
    private String failure;
    long bytesUp;
    long bytesDown;
    long datagramsUp;
    long datagramsDown;

    Session(SocksServer server, EventLoop loop, SocketChannel client, InetSocketAddress clientAddress,
            Instant start) {
        this.server = server;
        this.loop = loop;
        this.client = client;
        this.clientAddress = clientAddress;
        this.start = start;
    }

    /** Runs on the loop: registers the client and arms the handshake timeout. */
    void begin() {
        loop.add(this);
        try {
            up = ByteBuffer.allocate(HANDSHAKE_BUFFER);
            down = ByteBuffer.allocate(HANDSHAKE_BUFFER);
            clientKey = client.register(loop.selector, SelectionKey.OP_READ, this);
        } catch (Throwable e) {
            // An Error too (OutOfMemoryError): this connection is refused, the loop goes on.
            close("cannot register the client connection: " + e);
            return;
        }
        timer = loop.schedule(server.handshakeTimeoutNanos, () -> close("handshake timeout: no complete request "
                + "within " + TimeUnit.NANOSECONDS.toMillis(server.handshakeTimeoutNanos) + " ms"));
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
        if (state == State.CLOSED) {
            return;
        }
        int ops = key.readyOps();
        if (key == clientKey) {
            onClient(ops);
        } else if (key == targetKey) {
            onTarget(ops);
        } else if (key == listenerKey) {
            onBindAccept();
        } else if (udp != null) {
            udp.ready(key);
        }
        if (state != State.CLOSED) {
            updateInterest();
        }
    }

    @Override
    public void fail(Throwable t) {
        if (!(t instanceof IOException)) {
            LOG.log(System.Logger.Level.ERROR, "socksify server: session of " + clientAddress + " failed", t);
        }
        String what = state == State.RELAY ? "relay" : state.name().toLowerCase(Locale.ROOT);
        close(what + ": " + t);
    }

    // ---- client side ------------------------------------------------------------------------------------------

    private void onClient(int ops) throws IOException {
        if ((ops & SelectionKey.OP_READ) != 0) {
            switch (state) {
                case RELAY -> readClient();
                case UDP, FAILED -> {
                    // Data on a UDP control connection, or after a failure reply, is read and dropped; its end
                    // ends the session. Reading it keeps the close from turning into a reset.
                    up.clear();
                    if (client.read(up) < 0) {
                        clientEof = true;
                        close(null);
                        return;
                    }
                    up.clear();
                }
                case RESOLVING, CONNECTING, REPLY_DELAY, BIND_WAIT -> readEarlyData();
                default -> {
                    if (state.handshake()) {
                        int n = client.read(up);
                        if (n < 0) {
                            clientEof = true;
                        }
                        parse();
                        if (state.handshake() && clientEof) {
                            close("client closed the connection during the handshake");
                            return;
                        }
                        if (state != State.CLOSED && down.position() > 0) {
                            // A reply (method selection, authentication) goes out now, not one select later: the
                            // client waits for it, and a socket that takes a few bytes is all but always writable.
                            writeClient();
                        }
                    }
                }
            }
            if (state == State.CLOSED) {
                return;
            }
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            writeClient();
        }
        if (state == State.RELAY) {
            finishIfDone();
        }
    }

    /**
     * Reads what the client sends after its request and before the reply that lets it relay (a CONNECT being
     * resolved or connected, a BIND waiting for its peer): kept in {@code up} for the relay, which grows up to one
     * relay buffer ({@link SocksServer.Builder#bufferSize}); more ends the session with a failure reply. Reading on
     * is what lets the session see the client's end in every state: a full buffer that is no longer read hides it.
     */
    private void readEarlyData() throws IOException {
        if (!up.hasRemaining() && up.capacity() < server.bufferSize) {
            ByteBuffer larger = ByteBuffer.allocate(Math.min(2 * up.capacity(), server.bufferSize));
            up = larger.put(up.flip());
        }
        // At the bound, a one-byte read tells the client's end (kept data intact) from data beyond the bound.
        ByteBuffer into = up.hasRemaining() ? up : ByteBuffer.allocate(1);
        int n = client.read(into);
        if (n < 0) {
            clientEof = true;
            if (state == State.BIND_WAIT) {
                // Nobody is left to relay the peer to: stop listening now, not at the BIND timeout.
                close("client closed the connection before the BIND peer connected");
            }
            // CONNECT goes on (a half-close is legal): the relay passes the early data and then the end on.
            return;
        }
        if (into != up) {
            if (n > 0) {
                failRequest(Socks5CommandStatus.GENERAL_FAILURE, "client sent more than " + up.capacity()
                        + " bytes before the reply to its " + command);
            }
            return;
        }
        bytesUp += n;
    }

    /**
     * Reads from the client and writes to the target while both go on without blocking (a few rounds at most, for
     * fairness): fewer trips through the selector per byte.
     */
    private void readClient() throws IOException {
        for (int round = 0; round < PUMP_ROUNDS; round++) {
            int n = client.read(up);
            if (n < 0) {
                clientEof = true;
            } else {
                bytesUp += n;
            }
            writeTarget();
            if (n <= 0 || up.position() > 0) {
                return;
            }
        }
    }

    private void readTarget() throws IOException {
        for (int round = 0; round < PUMP_ROUNDS; round++) {
            int n = target.read(down);
            if (n < 0) {
                targetEof = true;
            } else {
                bytesDown += n;
            }
            writeClient();
            if (n <= 0 || down.position() > 0) {
                return;
            }
        }
    }

    private void writeTarget() throws IOException {
        if (up.position() > 0) {
            up.flip();
            target.write(up);
            up.compact();
        }
        if (clientEof && up.position() == 0 && !targetOutputShut) {
            targetOutputShut = true;
            target.shutdownOutput();
        }
    }

    private void onTarget(int ops) throws IOException {
        if (state == State.CONNECTING) {
            onConnectable();
            return;
        }
        if (state != State.RELAY) {
            return;
        }
        if ((ops & SelectionKey.OP_READ) != 0) {
            readTarget();
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            writeTarget();
        }
        finishIfDone();
    }

    /** Writes what {@code down} holds to the client; in the relay, passes on the target's end of stream. */
    private void writeClient() throws IOException {
        if (down.position() > 0) {
            down.flip();
            client.write(down);
            down.compact();
        }
        if (down.position() == 0) {
            if (state == State.FAILED && !clientOutputShut) {
                clientOutputShut = true;
                client.shutdownOutput();
            } else if (state == State.RELAY && targetEof && !clientOutputShut) {
                clientOutputShut = true;
                client.shutdownOutput();
            }
        }
    }

    private void finishIfDone() {
        if (state == State.RELAY && clientEof && targetEof && up.position() == 0 && down.position() == 0) {
            close(null);
        }
    }

    private void updateInterest() {
        int c = 0;
        boolean pendingDown = down.position() > 0;
        switch (state) {
            case RELAY -> c = (!clientEof && up.hasRemaining() ? SelectionKey.OP_READ : 0);
            // Before the reply too: early data is kept (bounded), and the client's end must be seen in every state.
            case RESOLVING, CONNECTING, REPLY_DELAY, BIND_WAIT, UDP, FAILED ->
                    c = clientEof ? 0 : SelectionKey.OP_READ;
            default -> {
                if (state.handshake()) {
                    c = !clientEof && up.hasRemaining() ? SelectionKey.OP_READ : 0;
                }
            }
        }
        if (pendingDown) {
            c |= SelectionKey.OP_WRITE;
        }
        setOps(clientKey, c);
        if (targetKey != null && targetKey.isValid()) {
            int t = 0;
            if (state == State.CONNECTING) {
                t = SelectionKey.OP_CONNECT;
            } else if (state == State.RELAY) {
                t = (!targetEof && down.hasRemaining() ? SelectionKey.OP_READ : 0)
                        | (up.position() > 0 ? SelectionKey.OP_WRITE : 0);
            }
            setOps(targetKey, t);
        }
    }

    private static void setOps(SelectionKey key, int ops) {
        if (key != null && key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    // ---- handshake --------------------------------------------------------------------------------------------

    /** Decodes as many handshake messages as {@code up} holds; leaves what follows the request in it. */
    private void parse() {
        parsing = true;
        up.flip();
        try {
            while (state.handshake()) {
                if (!step()) {
                    break;
                }
            }
        } catch (SocksProtocolException e) {
            protocolError(e);
        } catch (IllegalArgumentException e) {
            // The codec's records validate what they hold: a decoded field out of their range is malformed input.
            protocolError(new SocksProtocolException(e.getMessage(), e));
        } finally {
            parsing = false;
            if (up != null) {
                up.compact();
            }
        }
        if (requestCommand != null && state.handshake()) {
            request(requestCommand, requestDestination);
        } else if (state.handshake() && !up.hasRemaining()) {
            // Every handshake message is far shorter than a buffer: a full buffer is not SOCKS.
            protocolError(new SocksProtocolException("handshake message longer than " + up.capacity() + " bytes"));
        }
    }

    /** @return whether a message was consumed */
    private boolean step() throws SocksProtocolException {
        switch (state) {
            case VERSION -> {
                if (!up.hasRemaining()) {
                    return false;
                }
                int first = up.get(up.position()) & 0xFF;
                if (first == 5) {
                    version = SocksVersion.SOCKS5;
                    state = State.GREETING;
                } else if (first == 4) {
                    version = SocksVersion.SOCKS4;
                    state = State.SOCKS4_REQUEST;
                } else {
                    close("not a SOCKS request: first byte is " + SocksProtocolException.hex(first)
                            + " (expected 0x04 or 0x05)");
                    return false;
                }
                return true;
            }
            case GREETING -> {
                Socks5InitialRequest greeting = Socks5InitialRequest.decode(up);
                if (greeting == null) {
                    return false;
                }
                Socks5AuthMethod method = chooseMethod(greeting);
                new Socks5InitialResponse(method).encode(down);
                if (method.equals(Socks5AuthMethod.NO_ACCEPTABLE_METHODS)) {
                    failed(-1, "no acceptable authentication method among " + greeting.methods());
                    return false;
                }
                state = method.equals(Socks5AuthMethod.PASSWORD) ? State.AUTH : State.REQUEST;
                return true;
            }
            case AUTH -> {
                if (authTimer != null) {
                    return false;
                }
                Socks5PasswordAuthRequest auth = pendingAuth;
                pendingAuth = null;
                if (auth == null) {
                    auth = Socks5PasswordAuthRequest.decode(up);
                    if (auth == null) {
                        return false;
                    }
                    user = auth.username();
                    if (!server.users.isEmpty() && throttled(auth)) {
                        return false;
                    }
                }
                boolean ok = server.users.isEmpty() || server.authenticate(auth.username(), auth.password());
                (ok ? Socks5PasswordAuthResponse.SUCCESS : Socks5PasswordAuthResponse.FAILURE).encode(down);
                if (!ok) {
                    server.authThrottle.failed(clientAddress.getAddress(), System.nanoTime());
                    failed(-1, "authentication failed for user " + Printable.field(auth.username()));
                    return false;
                }
                state = State.REQUEST;
                return true;
            }
            case REQUEST -> {
                // An unknown ATYP cannot be decoded (the length of what follows is unknown); answer it first.
                if (up.remaining() >= 4 && (up.get(up.position()) & 0xFF) == 5
                        && (up.get(up.position() + 2) & 0xFF) == 0) {
                    int atyp = up.get(up.position() + 3) & 0xFF;
                    if (atyp != 1 && atyp != 3 && atyp != 4) {
                        command = Socks5CommandType.valueOf(up.get(up.position() + 1));
                        cancelTimer();
                        fail5(Socks5CommandStatus.ADDRESS_TYPE_NOT_SUPPORTED, "address type "
                                + SocksProtocolException.hex(atyp) + " not supported");
                        return false;
                    }
                }
                Socks5CommandRequest request = Socks5CommandRequest.decode(up);
                if (request == null) {
                    return false;
                }
                requestCommand = request.command();
                requestDestination = request.destination();
                return false;
            }
            case SOCKS4_REQUEST -> {
                Socks4CommandRequest request = Socks4CommandRequest.decode(up);
                if (request == null) {
                    return false;
                }
                user = request.userId();
                if (request.isSocks4a()) {
                    version = SocksVersion.SOCKS4A;
                }
                requestCommand = Socks5CommandType.valueOf(request.command().code());
                requestDestination = request.destination();
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * Asks the {@link AuthThrottle} whether this client's address may have its attempt checked now. If it must wait,
     * the request is held on a loop timer (the loop goes on serving others) and parsing resumes when it fires; if
     * it would wait longer than the cap, it is refused unchecked.
     *
     * @return true if the attempt is not to be checked now
     */
    private boolean throttled(Socks5PasswordAuthRequest auth) {
        AuthThrottle.Admission admission = server.authThrottle.admit(clientAddress.getAddress(), System.nanoTime());
        if (admission.refused()) {
            Socks5PasswordAuthResponse.FAILURE.encode(down);
            failed(-1, "authentication refused unchecked: too many failures from this address (throttled)");
            return true;
        }
        if (admission.waitNanos() <= 0) {
            return false;
        }
        pendingAuth = auth;
        authDelayNanos += admission.waitNanos();
        authTimer = loop.schedule(admission.waitNanos(), onLoop(() -> {
            authTimer = null;
            parse();
        }));
        return true;
    }

    private Socks5AuthMethod chooseMethod(Socks5InitialRequest greeting) {
        List<Socks5AuthMethod> offered = greeting.methods();
        if (!server.users.isEmpty()) {
            return offered.contains(Socks5AuthMethod.PASSWORD) ? Socks5AuthMethod.PASSWORD
                    : Socks5AuthMethod.NO_ACCEPTABLE_METHODS;
        }
        if (offered.contains(Socks5AuthMethod.NO_AUTH)) {
            return Socks5AuthMethod.NO_AUTH;
        }
        // No users: a client that offers only username/password gets it, and any credentials pass.
        return offered.contains(Socks5AuthMethod.PASSWORD) ? Socks5AuthMethod.PASSWORD
                : Socks5AuthMethod.NO_ACCEPTABLE_METHODS;
    }

    private void protocolError(SocksProtocolException e) {
        if (state == State.CLOSED || state == State.FAILED) {
            return;
        }
        cancelTimer();
        switch (state) {
            case GREETING -> {
                new Socks5InitialResponse(Socks5AuthMethod.NO_ACCEPTABLE_METHODS).encode(down);
                failed(-1, "protocol error: " + e.getMessage());
            }
            case AUTH -> {
                Socks5PasswordAuthResponse.FAILURE.encode(down);
                failed(-1, "protocol error: " + e.getMessage());
            }
            case REQUEST -> fail5(Socks5CommandStatus.GENERAL_FAILURE, "protocol error: " + e.getMessage());
            case SOCKS4_REQUEST -> fail4("protocol error: " + e.getMessage());
            default -> close("protocol error: " + e.getMessage());
        }
    }

    /** Handles a decoded request; {@code up} holds exactly the bytes that followed it. */
    private void request(Socks5CommandType cmd, SocksAddress dst) {
        cancelTimer();
        command = cmd;
        destination = dst;
        bytesUp += up.position();
        boolean v5 = version == SocksVersion.SOCKS5;
        if (!v5 && !server.users.isEmpty()) {
            failRequest(Socks5CommandStatus.NOT_ALLOWED,
                    "SOCKS4 carries no password and this server requires users to authenticate");
            return;
        }
        if (cmd.equals(Socks5CommandType.CONNECT)) {
            state = State.RESOLVING;
            // The connect timeout covers the name lookup too: a lookup that never returns cannot hold the client.
            connectTimer = loop.schedule(server.connectTimeoutNanos, onLoop(() -> failRequest(
                    Socks5CommandStatus.TTL_EXPIRED, (state == State.RESOLVING ? "resolving " : "connecting to ")
                            + destination + " timed out after "
                            + TimeUnit.NANOSECONDS.toMillis(server.connectTimeoutNanos) + " ms")));
            route(this::connectNext);
        } else if (cmd.equals(Socks5CommandType.BIND)) {
            startBind();
        } else if (cmd.equals(Socks5CommandType.UDP_ASSOCIATE) && v5) {
            startUdp();
        } else {
            failRequest(Socks5CommandStatus.COMMAND_NOT_SUPPORTED, "command " + cmd + " not supported");
        }
    }

    // ---- destination rules and name resolution ----------------------------------------------------------------

    /**
     * Checks the destination against the rules, resolves a name off the loop, and calls {@code then} on the loop
     * with {@link #candidates} set, or fails the request.
     */
    private void route(Runnable then) {
        if (!destination.isDomain()) {
            if (!server.addressAllowed(destination.ip())) {
                failRequest(Socks5CommandStatus.NOT_ALLOWED, "destination not allowed by the rules");
                return;
            }
            candidates = filterFamily(List.of(destination.ip()));
            if (candidates.isEmpty()) {
                failRequest(Socks5CommandStatus.NETWORK_UNREACHABLE, "destination is not of the outgoing address's"
                        + " family (" + server.outgoingAddress.getHostAddress() + ")");
                return;
            }
            then.run();
            return;
        }
        String name = destination.domain();
        boolean byName = server.hostAllowed(name);
        if (!byName && !server.hasNetworkDestinationRules()) {
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "destination not allowed by the rules");
            return;
        }
        CompletableFuture<InetAddress[]> lookup;
        try {
            lookup = server.lookups().lookup(name);
        } catch (RejectedExecutionException e) {
            failRequest(Socks5CommandStatus.GENERAL_FAILURE, "too many name lookups waiting");
            return;
        }
        lookup.whenComplete((addresses, error) -> loop.execute(onLoop(() -> resolved(addresses,
                error == null ? null : String.valueOf(error.getMessage()), byName, then))));
    }

    private void resolved(InetAddress[] addresses, String error, boolean allowedByName, Runnable then) {
        if (state != State.RESOLVING) {
            return;
        }
        if ((addresses == null || addresses.length == 0) && !allowedByName) {
            // Only an address could have allowed it, and there is none.
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "destination not allowed by the rules");
            return;
        }
        if (addresses == null || addresses.length == 0) {
            failRequest(Socks5CommandStatus.HOST_UNREACHABLE, "cannot resolve "
                    + Printable.field(destination.domain()) + (error != null ? ": " + Printable.escape(error) : ""));
            return;
        }
        List<InetAddress> allowed = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (allowedByName || server.addressAllowed(a)) {
                allowed.add(a);
            }
        }
        if (allowed.isEmpty()) {
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "destination not allowed by the rules");
            return;
        }
        candidates = filterFamily(allowed);
        if (candidates.isEmpty()) {
            failRequest(Socks5CommandStatus.NETWORK_UNREACHABLE, Printable.field(destination.domain())
                    + " has no address of the outgoing address's family (" + server.outgoingAddress.getHostAddress()
                    + ")");
            return;
        }
        then.run();
    }

    private List<InetAddress> filterFamily(List<InetAddress> addresses) {
        if (server.outgoingAddress == null) {
            return addresses;
        }
        boolean v4 = server.outgoingAddress instanceof Inet4Address;
        List<InetAddress> out = new ArrayList<>(addresses.size());
        for (InetAddress a : addresses) {
            if ((a instanceof Inet4Address) == v4) {
                out.add(a);
            }
        }
        return out;
    }

    // ---- CONNECT ----------------------------------------------------------------------------------------------

    private void connectNext() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CONNECTING;
        while (candidateIndex < candidates.size()) {
            InetAddress ip = candidates.get(candidateIndex++);
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open(ip instanceof Inet4Address ? StandardProtocolFamily.INET
                        : StandardProtocolFamily.INET6);
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (server.outgoingAddress != null) {
                    ch.bind(new InetSocketAddress(server.outgoingAddress, 0));
                }
                target = ch;
                // A connect to a near peer (loopback, the same host) has often completed by the time connect()
                // returns; asking at once saves a trip through the selector. A failure here is that candidate's.
                boolean done = ch.connect(new InetSocketAddress(ip, destination.port())) || ch.finishConnect();
                targetKey = ch.register(loop.selector, done ? 0 : SelectionKey.OP_CONNECT, this);
                if (done) {
                    connected();
                }
                return;
            } catch (IOException | RuntimeException e) {
                lastConnectError = e instanceof IOException io ? io : new IOException(e.toString(), e);
                SocksServer.closeQuietly(ch);
                target = null;
                targetKey = null;
            }
        }
        IOException e = lastConnectError;
        failRequest(statusFor(e), "connecting to " + destination + " failed: " + e.getMessage());
    }

    private void onConnectable() {
        try {
            if (!target.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            lastConnectError = e;
            SocksServer.closeQuietly(target);
            target = null;
            targetKey = null;
            connectNext();
            return;
        }
        connected();
    }

    private void connected() {
        if (connectTimer != null) {
            connectTimer.cancel();
        }
        setOps(targetKey, 0);
        state = State.REPLY_DELAY;
        afterReplyDelay(this::connectSucceeded);
    }

    private void connectSucceeded() {
        if (state == State.CLOSED) {
            return;
        }
        InetSocketAddress bound;
        try {
            bound = (InetSocketAddress) target.getLocalAddress();
        } catch (IOException e) {
            failRequest(Socks5CommandStatus.GENERAL_FAILURE, "connection to " + destination + " lost: " + e);
            return;
        }
        if (!takeRelayBuffers()) {
            return;
        }
        succeed(bound);
        startRelay();
    }

    /** Maps an outgoing connect failure to the most truthful {@code REP}. */
    static Socks5CommandStatus statusFor(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("network is unreachable")) {
            return Socks5CommandStatus.NETWORK_UNREACHABLE;
        }
        if (e instanceof NoRouteToHostException || m.contains("host is unreachable") || m.contains("no route")) {
            return Socks5CommandStatus.HOST_UNREACHABLE;
        }
        if (m.contains("timed out")) {
            return Socks5CommandStatus.TTL_EXPIRED;
        }
        if (e instanceof ConnectException || m.contains("refused")) {
            return Socks5CommandStatus.CONNECTION_REFUSED;
        }
        return Socks5CommandStatus.GENERAL_FAILURE;
    }

    /**
     * Moves what the handshake buffers hold into the two relay buffers of the loop's pool.
     *
     * @return false, after a failure reply, if there is no (direct) memory for them
     */
    private boolean takeRelayBuffers() {
        ByteBuffer relayUp = null;
        ByteBuffer relayDown;
        try {
            relayUp = loop.allocate();
            relayDown = loop.allocate();
        } catch (OutOfMemoryError e) {
            loop.release(relayUp);
            failRequest(Socks5CommandStatus.GENERAL_FAILURE, "no memory for the relay buffers: " + e.getMessage());
            return false;
        }
        relayUp.put(up.flip());
        relayDown.put(down.flip());
        up = relayUp;
        down = relayDown;
        relayBuffers = true;
        return true;
    }

    private void startRelay() {
        state = State.RELAY;
        startIdleTimer();
        try {
            writeTarget();
            writeClient();
        } catch (IOException e) {
            close("relay: " + e);
            return;
        }
        finishIfDone();
        if (state != State.CLOSED) {
            updateInterest();
        }
    }

    // ---- BIND -------------------------------------------------------------------------------------------------

    private void startBind() {
        if (destination.isDomain() ? !server.hostAllowed(destination.domain())
                : !server.addressAllowed(destination.ip())) {
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "BIND for this destination not allowed by the rules");
            return;
        }
        try {
            InetAddress ip = server.outgoingAddress != null ? server.outgoingAddress
                    : ((InetSocketAddress) client.getLocalAddress()).getAddress();
            listener = ServerSocketChannel.open();
            listener.bind(new InetSocketAddress(ip, 0), 1);
            listener.configureBlocking(false);
            listenerKey = listener.register(loop.selector, SelectionKey.OP_ACCEPT, this);
            succeed((InetSocketAddress) listener.getLocalAddress());
        } catch (IOException e) {
            failRequest(Socks5CommandStatus.GENERAL_FAILURE, "cannot listen for the BIND peer: " + e);
            return;
        }
        state = State.BIND_WAIT;
        timer = loop.schedule(SocksServer.BIND_TIMEOUT.toNanos(), onLoop(() -> failRequest(
                Socks5CommandStatus.TTL_EXPIRED,
                "no BIND peer connected within " + SocksServer.BIND_TIMEOUT.toSeconds() + " s")));
    }

    private void onBindAccept() throws IOException {
        SocketChannel peer = listener.accept();
        if (peer == null) {
            return;
        }
        InetSocketAddress from = (InetSocketAddress) peer.getRemoteAddress();
        SocksServer.closeQuietly(listener);
        listener = null;
        listenerKey = null;
        cancelTimer();
        if (!destination.isDomain() && !destination.isWildcard() && !destination.ip().equals(from.getAddress())) {
            SocksServer.closeQuietly(peer);
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "BIND peer " + from + " is not the expected "
                    + destination.host());
            return;
        }
        target = peer;
        peer.configureBlocking(false);
        peer.setOption(StandardSocketOptions.TCP_NODELAY, true);
        targetKey = peer.register(loop.selector, 0, this);
        if (!takeRelayBuffers()) {
            return;
        }
        succeed(from);
        startRelay();
    }

    // ---- UDP ASSOCIATE ----------------------------------------------------------------------------------------

    private void startUdp() {
        try {
            udp = new UdpRelay(this, (InetSocketAddress) client.getLocalAddress(), clientAddress.getAddress(),
                    destination);
            succeed(udp.clientSideAddress());
        } catch (IOException | OutOfMemoryError e) {
            failRequest(Socks5CommandStatus.GENERAL_FAILURE, "cannot open the UDP relay: " + e);
            return;
        }
        state = State.UDP;
        startIdleTimer();
        if (clientEof) {
            close(null);
        }
    }

    // ---- replies ----------------------------------------------------------------------------------------------

    private void succeed(InetSocketAddress bound) {
        if (version == SocksVersion.SOCKS5) {
            new Socks5CommandResponse(Socks5CommandStatus.SUCCEEDED, SocksAddress.ofIp(bound.getAddress(),
                    bound.getPort())).encode(down);
            reply = Socks5CommandStatus.SUCCEEDED.code();
        } else {
            InetAddress ip = bound.getAddress() instanceof Inet4Address ? bound.getAddress()
                    : SocksAddress.unspecified().ip();
            new Socks4CommandResponse(Socks4CommandStatus.GRANTED, ip, bound.getPort()).encode(down);
            reply = Socks4CommandStatus.GRANTED.code();
        }
    }

    /** Sends a failure reply for the request (delayed for CONNECT if so configured), then closes. */
    private void failRequest(Socks5CommandStatus status, String reason) {
        if (state == State.CLOSED || state == State.FAILED) {
            return;
        }
        if (connectTimer != null) {
            connectTimer.cancel();
        }
        cancelTimer();
        if (target != null) {
            SocksServer.closeQuietly(target);
            target = null;
            targetKey = null;
        }
        if (state == State.RESOLVING || state == State.CONNECTING) {
            state = State.REPLY_DELAY;
            afterReplyDelay(() -> sendFailure(status, reason));
        } else {
            sendFailure(status, reason);
        }
    }

    private void sendFailure(Socks5CommandStatus status, String reason) {
        if (state == State.CLOSED || state == State.FAILED) {
            return;
        }
        if (version == SocksVersion.SOCKS5) {
            fail5(status, reason);
        } else {
            fail4(reason);
        }
    }

    private void fail5(Socks5CommandStatus status, String reason) {
        Socks5CommandResponse.failure(status).encode(down);
        failed(status.code(), reason);
    }

    private void fail4(String reason) {
        Socks4CommandResponse.of(Socks4CommandStatus.REJECTED_OR_FAILED).encode(down);
        failed(Socks4CommandStatus.REJECTED_OR_FAILED.code(), reason);
    }

    /**
     * After a failure reply (already in {@code down}): flush it, shut the output, read and drop until the client
     * closes, but never longer than {@link SocksServer#LINGER_AFTER_FAILURE}.
     */
    private void failed(int code, String reason) {
        reply = code;
        if (failure == null) {
            failure = reason;
        }
        cancelTimer();
        closeRelaySide();
        state = State.FAILED;
        timer = loop.schedule(SocksServer.LINGER_AFTER_FAILURE.toNanos(), () -> close(null));
        try {
            writeClient();
        } catch (IOException e) {
            close(null);
            return;
        }
        if (clientEof) {
            close(null);
        } else if (!parsing) {
            updateInterest();
        }
    }

    private void afterReplyDelay(Runnable action) {
        if (server.replyDelayNanos > 0 && Socks5CommandType.CONNECT.equals(command)) {
            timer = loop.schedule(server.replyDelayNanos, onLoop(action));
        } else {
            action.run();
        }
    }

    /** With {@link SocksServer.Builder#idleTimeout}: ends the relay when nothing moved for that long. */
    private void startIdleTimer() {
        if (server.idleTimeoutNanos > 0 && idleTimer == null) {
            if (activitySeen < 0) {
                activitySeen = bytesUp + bytesDown + datagramsUp + datagramsDown;
            }
            idleTimer = loop.schedule(server.idleTimeoutNanos, this::checkIdle);
        }
    }

    private void checkIdle() {
        idleTimer = null;
        if (state != State.RELAY && state != State.UDP) {
            return;
        }
        long activity = bytesUp + bytesDown + datagramsUp + datagramsDown;
        if (activity == activitySeen) {
            close("idle timeout: nothing relayed for " + TimeUnit.NANOSECONDS.toMillis(server.idleTimeoutNanos)
                    + " ms");
            return;
        }
        activitySeen = activity;
        startIdleTimer();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void closeRelaySide() {
        SocksServer.closeQuietly(target);
        target = null;
        targetKey = null;
        SocksServer.closeQuietly(listener);
        listener = null;
        listenerKey = null;
        if (udp != null) {
            udp.close();
        }
    }

    /** Ends the session: closes everything, returns the buffers and records it. Idempotent. */
    void close(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (failure == null) {
            failure = reason;
        }
        cancelTimer();
        if (connectTimer != null) {
            connectTimer.cancel();
        }
        if (idleTimer != null) {
            idleTimer.cancel();
            idleTimer = null;
        }
        if (authTimer != null) {
            authTimer.cancel();
            authTimer = null;
        }
        closeRelaySide();
        SocksServer.closeQuietly(client);
        if (relayBuffers) {
            loop.release(up);
            loop.release(down);
        }
        up = null;
        down = null;
        loop.remove(this);
        if (countedForClient) {
            countedForClient = false;
            server.clientEnded(clientAddress.getAddress());
        }
        server.ended(new SessionRecord(clientAddress, version, command, destination, user, reply, failure,
                bytesUp, bytesDown, datagramsUp, datagramsDown, start, Instant.now(),
                TimeUnit.NANOSECONDS.toMillis(authDelayNanos)));
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Wraps a timer or resolver callback: it runs on the loop, and its failure ends the session. */
    private Runnable onLoop(Runnable action) {
        return () -> {
            if (state == State.CLOSED) {
                return;
            }
            try {
                action.run();
            } catch (Throwable e) {
                fail(e);
                return;
            }
            if (state != State.CLOSED) {
                updateInterest();
            }
        };
    }
}
