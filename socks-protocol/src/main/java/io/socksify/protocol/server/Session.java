package io.socksify.protocol.server;

import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.wire.Socks4CommandResponse;
import io.socksify.protocol.wire.Socks4CommandStatus;
import io.socksify.protocol.wire.Socks5CommandResponse;
import io.socksify.protocol.wire.Socks5CommandStatus;
import io.socksify.protocol.wire.Socks5CommandType;
import io.socksify.protocol.wire.Socks5GssapiMessage;
import io.socksify.protocol.wire.SocksProtocolException;
import io.socksify.protocol.wire.SocksAddress;
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
        HANDSHAKE, RESOLVING, CONNECTING, REPLY_DELAY, BIND_WAIT, RELAY, UDP, FAILED, CLOSED;

        boolean handshake() {
            return this == HANDSHAKE;
        }
    }

    private static final System.Logger LOG = System.getLogger(SocksServer.class.getName());
    /** Larger than any one handshake message (the longest, a SOCKS4a request, is 520 bytes). */
    static final int HANDSHAKE_BUFFER = 1024;

    final SocksServer server;
    final EventLoop loop;
    final SocketChannel client;
    private final InetSocketAddress clientAddress;
    private final Instant start;

    private State state = State.HANDSHAKE;
    private SelectionKey clientKey;
    private SocketChannel target;
    private SelectionKey targetKey;
    private ServerSocketChannel listener;
    private SelectionKey listenerKey;
    private UdpRelay udp;
    private TcpRelay relay;
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
    private boolean clientOutputShut;
    private boolean parsing;
    private EventLoop.Timer authTimer;
    private long authDelayNanos;
    private final ServerHandshake handshake;
    /** With GSS-API at integrity or confidentiality: RFC 1961 encapsulation of every byte to and from the client. */
    GssapiFraming framing;

    private List<InetAddress> candidates;
    private int candidateIndex;
    private IOException lastConnectError;

    SocksVersion version;
    Socks5CommandType command;
    SocksAddress destination;
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
        this.handshake = new ServerHandshake(server.authMethods, clientAddress.getAddress());
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
        timer = loop.schedule(server.config.handshakeTimeoutNanos, () -> close("handshake timeout: no complete request "
                + "within " + TimeUnit.NANOSECONDS.toMillis(server.config.handshakeTimeoutNanos) + " ms"));
        // The greeting is often there by the time the connection is accepted: reading it now saves a trip through
        // the selector (the registration above takes effect at the next select, not before).
        try {
            readHandshake();
            if (state != State.CLOSED) {
                updateInterest();
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
        if (state == State.CLOSED) {
            return;
        }
        int ops = key.readyOps();
        if (relay != null) {
            relay.ready(key, ops);
            if (state != State.CLOSED) {
                relay.updateInterest();
            }
            return;
        }
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
                        readHandshake();
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
    }

    private void readHandshake() throws IOException {
        boolean again = true;
        while (again) {
            int n = readFromClient(up);
            if (n < 0) {
                clientEof = true;
            }
            boolean framed = framing != null;
            parse();
            // Just switched to RFC 1961 encapsulation: the wrapped request may have come with the last message.
            again = !framed && framing != null && state.handshake();
        }
        if (state.handshake() && clientEof) {
            close("client closed the connection during the handshake");
            return;
        }
        if (state != State.CLOSED && (down.position() > 0 || pendingWrapped())) {
            // A reply (method selection, authentication) goes out now, not one select later: the client waits
            // for it, and a socket that takes a few bytes is all but always writable.
            writeClient();
        }
    }

    /** Plain bytes from the client: as read, or unwrapped ({@link GssapiFraming}). */
    private int readFromClient(ByteBuffer into) throws IOException {
        if (framing == null) {
            return client.read(into);
        }
        try {
            return framing.read(into);
        } catch (SocksProtocolException e) {
            // RFC 1961: a message that is not MTYP 3 or does not verify during the protected handshake is
            // answered with the abort (best effort: two octets, unwrapped) before the session closes.
            try {
                client.write(ByteBuffer.wrap(new byte[] {
                    (byte) Socks5GssapiMessage.VERSION, (byte) Socks5GssapiMessage.MTYP_ABORT}));
            } catch (IOException ignored) {
                // The session ends with e either way.
            }
            throw e;
        }
    }

    private boolean pendingWrapped() {
        return framing != null && framing.hasPendingOutput();
    }

    /**
     * Reads what the client sends after its request and before the reply that lets it relay (a CONNECT being
     * resolved or connected, a BIND waiting for its peer): kept in {@code up} for the relay, which grows up to one
     * relay buffer ({@link SocksServer.Builder#bufferSize}); more ends the session with a failure reply. Reading on
     * is what lets the session see the client's end in every state: a full buffer that is no longer read hides it.
     */
    private void readEarlyData() throws IOException {
        if (!up.hasRemaining() && up.capacity() < server.config.bufferSize) {
            ByteBuffer larger = ByteBuffer.allocate(Math.min(2 * up.capacity(), server.config.bufferSize));
            up = larger.put(up.flip());
        }
        // Never beyond one relay buffer, even in a handshake buffer grown larger for a GSS-API token.
        if (up.limit() > server.config.bufferSize) {
            up.limit(Math.max(up.position(), server.config.bufferSize));
        }
        // At the bound, a one-byte read tells the client's end (kept data intact) from data beyond the bound.
        ByteBuffer into = up.hasRemaining() ? up : ByteBuffer.allocate(1);
        int n = readFromClient(into);
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

    private void onTarget(int ops) throws IOException {
        if (state == State.CONNECTING) {
            onConnectable();
        }
    }

    /** Writes what {@code down} holds to the client (before the relay); after a failure reply, shuts the output. */
    private void writeClient() throws IOException {
        if (framing != null) {
            down.flip();
            framing.write(down);
            down.compact();
        } else if (down.position() > 0) {
            down.flip();
            client.write(down);
            down.compact();
        }
        if (down.position() == 0 && !pendingWrapped() && state == State.FAILED && !clientOutputShut) {
            clientOutputShut = true;
            client.shutdownOutput();
        }
    }

    private void updateInterest() {
        if (relay != null) {
            relay.updateInterest();
            return;
        }
        int c = 0;
        boolean pendingDown = down.position() > 0 || pendingWrapped();
        switch (state) {
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

    /** Runs the {@link ServerHandshake} over what {@code up} holds; leaves what follows the request in it. */
    private void parse() {
        if (authTimer != null) {
            return;
        }
        parsing = true;
        up.flip();
        ServerHandshake.Result r;
        try {
            r = handshake.advance(up, down);
        } finally {
            parsing = false;
            up.compact();
        }
        version = handshake.version();
        command = handshake.command();
        switch (r) {
            case REQUEST -> request(handshake.command(), handshake.destination());
            case WAIT -> {
                authDelayNanos += handshake.waitNanos();
                authTimer = loop.schedule(handshake.waitNanos(), onLoop(() -> {
                    authTimer = null;
                    parse();
                }));
            }
            case PROTECTED -> {
                framing = new GssapiFraming(client, handshake.protection(), up.flip(), down.flip());
                up.clear();
                down.clear();
            }
            case FAILED -> {
                cancelTimer();
                failed(handshake.replyCode(), handshake.reason());
            }
            case CLOSE -> close(handshake.reason());
            default -> {
                int needed = handshake.bufferSize();
                if (up.capacity() < needed) {
                    // Only the input grows, to the declared length of the message being received (a GSS-API
                    // token); the answers stay in the small buffer.
                    up = ByteBuffer.allocate(needed).put(up.flip());
                } else if (!up.hasRemaining()) {
                    // Every handshake message is far shorter than a buffer: a full buffer is not SOCKS.
                    cancelTimer();
                    if (handshake.overflow(down, up.capacity()) == ServerHandshake.Result.FAILED) {
                        failed(handshake.replyCode(), handshake.reason());
                    } else {
                        close(handshake.reason());
                    }
                }
            }
        }
    }

    /** Handles a decoded request; {@code up} holds exactly the bytes that followed it. */
    private void request(Socks5CommandType cmd, SocksAddress dst) {
        cancelTimer();
        command = cmd;
        destination = dst;
        bytesUp += up.position();
        boolean v5 = version == SocksVersion.SOCKS5;
        String principal = handshake.principal();
        if (principal != null && !server.config.principalAllowed(principal)) {
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "principal " + Printable.field(principal)
                    + " not allowed by the rules");
            return;
        }
        if (principal == null && !server.config.principalRules.isEmpty()) {
            // Principal rules admit only principals: a password user (or SOCKS4) has none to match.
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "not authenticated by GSS-API, and principal rules "
                    + "admit only GSS-API principals");
            return;
        }
        if (!v5 && server.config.requiresAuthentication()) {
            failRequest(Socks5CommandStatus.NOT_ALLOWED,
                    "SOCKS4 carries no password and this server requires users to authenticate");
            return;
        }
        if (cmd.equals(Socks5CommandType.CONNECT)) {
            state = State.RESOLVING;
            // The connect timeout covers the name lookup too: a lookup that never returns cannot hold the client.
            connectTimer = loop.schedule(server.config.connectTimeoutNanos, onLoop(() -> failRequest(
                    Socks5CommandStatus.TTL_EXPIRED, (state == State.RESOLVING ? "resolving " : "connecting to ")
                            + destination + " timed out after "
                            + TimeUnit.NANOSECONDS.toMillis(server.config.connectTimeoutNanos) + " ms")));
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
            if (!server.config.addressAllowed(destination.ip())) {
                failRequest(Socks5CommandStatus.NOT_ALLOWED, "destination not allowed by the rules");
                return;
            }
            candidates = filterFamily(List.of(destination.ip()));
            if (candidates.isEmpty()) {
                failRequest(Socks5CommandStatus.NETWORK_UNREACHABLE, "destination is not of the outgoing address's"
                        + " family (" + server.config.outgoingAddress.getHostAddress() + ")");
                return;
            }
            then.run();
            return;
        }
        String name = destination.domain();
        boolean byName = server.config.hostAllowed(name);
        if (!byName && !server.config.hasNetworkDestinationRules()) {
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
            if (allowedByName || server.config.addressAllowed(a)) {
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
                    + " has no address of the outgoing address's family (" + server.config.outgoingAddress.getHostAddress()
                    + ")");
            return;
        }
        then.run();
    }

    private List<InetAddress> filterFamily(List<InetAddress> addresses) {
        if (server.config.outgoingAddress == null) {
            return addresses;
        }
        boolean v4 = server.config.outgoingAddress instanceof Inet4Address;
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
                if (server.config.outgoingAddress != null) {
                    ch.bind(new InetSocketAddress(server.config.outgoingAddress, 0));
                }
                target = ch;
                // A connect to a near peer (loopback, the same host) has often completed by the time connect()
                // returns; asking at once saves a trip through the selector. A failure here is that candidate's.
                boolean done = ch.connect(new InetSocketAddress(ip, destination.port())) || ch.finishConnect();
                targetKey = ch.register(loop.selector, done ? 0 : SelectionKey.OP_CONNECT, this);
                if (!done) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                lastConnectError = e instanceof IOException io ? io : new IOException(e.toString(), e);
                SocksServer.closeQuietly(ch);
                target = null;
                targetKey = null;
                continue;
            }
            // Outside the candidate's try: what follows the connect (the reply, the relay's start) failing is the
            // session's failure (the handler's caller closes it), not a reason to try the next address.
            connected();
            return;
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
        up.flip();
        down.flip();
        if (up.remaining() > relayUp.remaining() || down.remaining() > relayDown.remaining()) {
            // A handshake buffer grown for a GSS-API token can hold more early data than a relay buffer.
            int early = up.remaining();
            loop.release(relayUp);
            loop.release(relayDown);
            up.compact();
            down.compact();
            failRequest(Socks5CommandStatus.GENERAL_FAILURE, "client sent " + early + " bytes before the reply to "
                    + "its " + command + " (more than the " + server.config.bufferSize + "-byte relay buffer)");
            return false;
        }
        relayUp.put(up);
        relayDown.put(down);
        up = relayUp;
        down = relayDown;
        relayBuffers = true;
        return true;
    }

    private void startRelay() {
        state = State.RELAY;
        startIdleTimer();
        relay = new TcpRelay(this, client, clientKey, target, targetKey, up, down, framing, clientEof);
        try {
            relay.start();
        } catch (IOException e) {
            close("relay: " + e);
            return;
        }
        if (state != State.CLOSED) {
            relay.updateInterest();
        }
    }

    // ---- BIND -------------------------------------------------------------------------------------------------

    private void startBind() {
        if (destination.isDomain() ? !server.config.hostAllowed(destination.domain())
                : !server.config.addressAllowed(destination.ip())) {
            failRequest(Socks5CommandStatus.NOT_ALLOWED, "BIND for this destination not allowed by the rules");
            return;
        }
        try {
            InetAddress ip = server.config.outgoingAddress != null ? server.config.outgoingAddress
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
        if (server.config.replyDelayNanos > 0 && Socks5CommandType.CONNECT.equals(command)) {
            timer = loop.schedule(server.config.replyDelayNanos, onLoop(action));
        } else {
            action.run();
        }
    }

    /** With {@link SocksServer.Builder#idleTimeout}: ends the relay when nothing moved for that long. */
    private void startIdleTimer() {
        if (server.config.idleTimeoutNanos > 0 && idleTimer == null) {
            if (activitySeen < 0) {
                activitySeen = bytesUp + bytesDown + datagramsUp + datagramsDown;
            }
            idleTimer = loop.schedule(server.config.idleTimeoutNanos, this::checkIdle);
        }
    }

    private void checkIdle() {
        idleTimer = null;
        if (state != State.RELAY && state != State.UDP) {
            return;
        }
        long activity = bytesUp + bytesDown + datagramsUp + datagramsDown;
        if (activity == activitySeen) {
            close("idle timeout: nothing relayed for " + TimeUnit.NANOSECONDS.toMillis(server.config.idleTimeoutNanos)
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
        loop.closeSoon(target, targetKey);
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
        loop.closeSoon(client, clientKey);
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
        if (failure != null && handshake.note() != null) {
            failure = failure + " (" + handshake.note() + ")";
        }
        server.ended(new SessionRecord(clientAddress, version, command, destination, handshake.user(), reply,
                failure, bytesUp, bytesDown, datagramsUp, datagramsDown, start, Instant.now(),
                TimeUnit.NANOSECONDS.toMillis(authDelayNanos), handshake.principal(),
                handshake.protection() == null ? null : handshake.protection().level()));
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
