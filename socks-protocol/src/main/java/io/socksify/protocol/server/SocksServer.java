package io.socksify.protocol.server;

import io.socksify.protocol.wire.SocksAddress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * An embeddable SOCKS server: SOCKS4, SOCKS4a and SOCKS5 (RFC 1928) with the commands CONNECT, BIND and UDP
 * ASSOCIATE, IPv4, IPv6 and domain destinations, and the methods "no authentication", username/password
 * (RFC 1929) and GSS-API with Kerberos V5 (RFC 1961, {@link Builder#gssapi}; at integrity and confidentiality every
 * byte to and from the client, TCP and UDP, is encapsulated).
 *
 * <pre>{@code
 * try (SocksServer server = SocksServer.builder().port(0).user("alice", "secret").start()) {
 *     InetSocketAddress proxy = server.address();
 *     ... connect through proxy ...
 *     SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(5)).get(0);
 * }
 * }</pre>
 *
 * <h2>Safe by default</h2>
 * It binds 127.0.0.1 unless told otherwise. {@link #start()} refuses to listen on any other address (the wildcard
 * included) unless clients must authenticate ({@link Builder#user}, {@link Builder#gssapi}), or client rules
 * ({@link Builder#allowClients}) restrict who may connect, or {@link Builder#allowOpenRelay()} says an open relay
 * is wanted. With users configured, SOCKS4 and 4a requests (which carry no password) are rejected.
 *
 * <h2>Replies</h2>
 * Connection refused: {@code REP} 5; network unreachable: 3; host unreachable or no route: 4; a name that does not
 * resolve: 4; a destination outside {@link Builder#allowDestinations}: 2; an outgoing connect or a BIND that times
 * out: 6 (TTL expired; socksify's client reports it as a {@code SocksConnectException} with reason
 * {@code TTL_EXPIRED}, not as a timeout); an unknown command: 7; an unknown {@code ATYP}: 8; anything
 * else: 1. SOCKS4 replies 91 for every failure. After a failure reply the server shuts its side down at once and
 * closes the connection when the client closes, or at the latest 5 seconds later (RFC 1928: within 10).
 *
 * <h2>Threads and memory</h2>
 * A few selector threads (one per core by default) do all network work without blocking; names are resolved on a
 * small bounded pool (at most 8 threads, 1024 waiting lookups). Lookups of one name at the same time are merged; UDP
 * datagrams may keep at most half of the threads busy, and a name that failed is not looked up for them again for
 * 5 seconds, so a flood of datagrams cannot delay CONNECT. The connect timeout runs from the request, so it covers
 * the lookup too. A session in the handshake holds two small heap buffers; once it relays TCP, two fixed direct
 * buffers of {@link Builder#bufferSize} bytes, taken from a per-thread pool; a UDP association one 64 KiB buffer.
 * A session that gets no memory for its buffers is answered with a general failure (1) and closed; the server
 * goes on. A side whose peer cannot take more is not read (backpressure), and a half-close is passed on.
 * {@link #close()} ends every session and thread and returns when they are gone.
 *
 * <h2>Limits</h2>
 * {@link Builder#maxConnections} bounds the connections open at once, {@link Builder#maxConnectionsPerClient} (off
 * by default) those of one client IP address; more are closed on accept and recorded. {@link Builder#idleTimeout}
 * (off by default) ends a relay or UDP association through which nothing has passed for that long. Data a client
 * sends after its CONNECT or BIND request and before the reply is kept for the relay up to one relay buffer
 * ({@link Builder#bufferSize}); more ends the session with a general failure (1). A session sees its client's end in
 * every state.
 *
 * <h2>Authentication and logs</h2>
 * After 3 failed RFC 1929 authentications from one client address, its further attempts are held back before they
 * are checked: 100 ms, doubling with every failure up to 5 s, forgotten after 60 s without a failure (see
 * {@link SessionRecord#authDelayMillis()}); other clients are not slowed. A {@link SessionRecord}'s text renders what
 * the client chose (names, user names, {@code USERID}s) with {@link io.socksify.protocol.wire.Printable}, so one
 * session is one line whatever the client sent; its components keep the raw values.
 */
public final class SocksServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SocksServer.class.getName());
    /** How long a BIND waits for its peer; then it answers 6 (TTL expired) and closes. */
    static final Duration BIND_TIMEOUT = Duration.ofSeconds(60);
    /** The longest a connection stays open after a failure reply. */
    static final Duration LINGER_AFTER_FAILURE = Duration.ofSeconds(5);

    final ServerConfig config;
    /** The SOCKS5 methods offered, in the order of preference. */
    final List<ServerAuthMethod> authMethods;

    private final Object lock = new Object();
    private final ArrayDeque<SessionRecord> records = new ArrayDeque<>();
    private long recordCount;
    final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger nextLoop = new AtomicInteger();
    /** Failed authentications per client address, and the waits they impose. */
    final AuthThrottle authThrottle = new AuthThrottle();
    /** Open sessions per client IP, with {@link Builder#maxConnectionsPerClient}. */
    private final Map<InetAddress, Integer> perClient = new ConcurrentHashMap<>();

    private ServerSocketChannel acceptor;
    private InetSocketAddress address;
    private EventLoop[] loops;
    private Lookups lookups;
    private volatile boolean started;
    private volatile boolean closed;

    private SocksServer(Builder b) {
        this.config = new ServerConfig(b);
        List<ServerAuthMethod> methods = new ArrayList<>();
        if (config.gssapi != null) {
            methods.add(new GssapiAuthMethod(config.gssapi, authThrottle));
        }
        if (!config.users.isEmpty()) {
            methods.add(new PasswordAuthMethod(config, authThrottle));
        } else if (config.gssapi == null) {
            // No users: a client that offers only username/password gets it, and any credentials pass.
            methods.add(ServerAuthMethod.NO_AUTH);
            methods.add(new PasswordAuthMethod(config, authThrottle));
        }
        this.authMethods = List.copyOf(methods);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds and starts the selector threads.
     *
     * @throws IllegalStateException if already started, or if it would be an open relay (see the class comment)
     * @throws IOException           if the address cannot be bound, or GSS-API's keytab login fails (naming it)
     */
    public SocksServer start() throws IOException {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("SocksServer: already started");
            }
            if (!config.bindAddress.isLoopbackAddress() && !config.requiresAuthentication() && config.clientRules.isEmpty() && !config.openRelay) {
                throw new IllegalStateException("SocksServer: refusing to be an open relay on "
                        + config.bindAddress.getHostAddress() + " (not a loopback address): configure users, GSS-API or client"
                        + " rules (allowClients), or call allowOpenRelay() to accept every client");
            }
            if (config.gssapi != null) {
                config.gssapi.login(); // before anything is bound: a failure leaves the server unstarted
            }
            started = true;
        }
        List<EventLoop> created = new ArrayList<>();
        try {
            acceptor = ServerSocketChannel.open();
            acceptor.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            acceptor.bind(new InetSocketAddress(config.bindAddress, config.port), 4096);
            acceptor.configureBlocking(false);
            address = (InetSocketAddress) acceptor.getLocalAddress();
            String base = "socksify-server-" + address.getPort();
            for (int i = 0; i < config.selectorThreads; i++) {
                created.add(new EventLoop(base + "-loop-" + i, config.bufferSize, config.bufferAllocator, config.threadFactory));
            }
        } catch (IOException | RuntimeException e) {
            for (EventLoop l : created) {
                l.selector.close();
            }
            if (acceptor != null) {
                acceptor.close();
            }
            closed = true;
            throw e;
        }
        loops = created.toArray(new EventLoop[0]);
        lookups = new Lookups("socksify-server-" + address.getPort() + "-resolver-", config.lookupResolver,
                config.threadFactory);
        EventLoop first = loops[0];
        Acceptor a = new Acceptor(first);
        first.execute(() -> {
            try {
                acceptor.register(first.selector, SelectionKey.OP_ACCEPT, a);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "socksify server: cannot register the listening socket", e);
            }
        });
        first.onShutdown(() -> closeQuietly(acceptor));
        for (EventLoop l : loops) {
            l.thread.start();
        }
        return this;
    }

    /** @return the address and actual port the server listens on */
    public InetSocketAddress address() {
        if (address == null) {
            throw new IllegalStateException("SocksServer: not started");
        }
        return address;
    }

    /** @return the sessions that have ended, oldest first (at most {@link Builder#recordLimit} of the latest) */
    public List<SessionRecord> records() {
        synchronized (lock) {
            return List.copyOf(records);
        }
    }

    /**
     * Waits until at least {@code count} sessions have ended since the server started.
     *
     * @return {@link #records()}
     * @throws TimeoutException naming how many ended, and what is still open, if the timeout passes first
     */
    public List<SessionRecord> awaitRecords(int count, Duration timeout) throws InterruptedException,
            TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (recordCount < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("SocksServer: " + recordCount + " of " + count
                            + " sessions ended within " + timeout + " (" + active.get() + " still open); ended: "
                            + records);
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return List.copyOf(records);
        }
    }

    /** @return the number of sessions open right now */
    public int activeSessions() {
        return active.get();
    }

    /** Ends every session, closes every socket and stops every thread the server started; waits for them. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (!started) {
                return;
            }
        }
        // The first loop accepts: stopping it first means no connection is handed to a loop that already stopped.
        boolean interrupted = false;
        for (EventLoop l : loops) {
            l.shutdown();
            try {
                l.thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        lookups.shutdownNow();
        try {
            if (!lookups.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "socksify server: name lookups still running after close");
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "SocksServer[" + (address != null ? address : config.bindAddress.getHostAddress() + ":" + config.port) + "]";
    }

    // ---- used by sessions -------------------------------------------------------------------------------------

    Lookups lookups() {
        return lookups;
    }

    /** A session counted against its client's limit ({@link Builder#maxConnectionsPerClient}) ended. */
    void clientEnded(InetAddress client) {
        perClient.computeIfPresent(client, (ip, n) -> n <= 1 ? null : n - 1);
    }

    boolean isClosed() {
        return closed;
    }

    void ended(SessionRecord record) {
        active.decrementAndGet();
        synchronized (lock) {
            recordCount++;
            if (config.recordLimit > 0) {
                records.addLast(record);
                while (records.size() > config.recordLimit) {
                    records.removeFirst();
                }
            }
            lock.notifyAll();
        }
        if (config.listener != null) {
            try {
                config.listener.accept(record);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "socksify server: session listener failed", e);
            }
        }
    }

    static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Nothing useful can be done about a failing close.
            }
        }
    }

    /** Accepts on the first loop and deals each connection to the loop with the fewest sessions. */
    private final class Acceptor implements EventLoop.Handler {
        private final EventLoop loop;

        Acceptor(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public void ready(SelectionKey key) {
            for (int i = 0; i < 256; i++) {
                SocketChannel ch;
                try {
                    ch = acceptor.accept();
                } catch (IOException e) {
                    // Typically EMFILE: stop accepting for a moment instead of spinning on a ready socket.
                    LOG.log(System.Logger.Level.WARNING, "socksify server: accept failed: " + e.getMessage()
                            + "; pausing accept for 100 ms");
                    key.interestOps(0);
                    loop.schedule(TimeUnit.MILLISECONDS.toNanos(100), () -> {
                        if (key.isValid()) {
                            key.interestOps(SelectionKey.OP_ACCEPT);
                        }
                    });
                    return;
                }
                if (ch == null) {
                    return;
                }
                accepted(ch);
            }
        }

        private void accepted(SocketChannel ch) {
            Instant start = Instant.now();
            active.incrementAndGet();
            InetSocketAddress remote;
            try {
                remote = (InetSocketAddress) ch.getRemoteAddress();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                closeQuietly(ch);
                active.decrementAndGet();
                return;
            }
            String refusal = null;
            boolean counted = false;
            EventLoop target = null;
            if (active.get() > config.maxConnections) {
                refusal = "connection limit " + config.maxConnections + " reached";
            } else if (!config.clientAllowed(remote.getAddress())) {
                refusal = "client not allowed";
            } else if (config.maxConnectionsPerClient > 0
                    && perClient.merge(remote.getAddress(), 1, Integer::sum) > config.maxConnectionsPerClient) {
                clientEnded(remote.getAddress());
                refusal = "connection limit per client " + config.maxConnectionsPerClient + " reached";
            } else {
                counted = config.maxConnectionsPerClient > 0;
                target = claimLeastLoadedLoop();
                if (target == null) {
                    refusal = "no selector thread is running";
                }
            }
            if (refusal == null) {
                Session s = new Session(SocksServer.this, target, ch, remote, start);
                s.countedForClient = counted;
                if (target == loop) {
                    s.begin();
                    return;
                }
                if (target.execute(s::begin)) {
                    return;
                }
                refusal = "no selector thread is running";
            }
            if (counted) {
                clientEnded(remote.getAddress());
            }
            closeQuietly(ch);
            ended(new SessionRecord(remote, null, null, null, null, -1, refusal, 0, 0, 0, 0, start, Instant.now()));
        }

        /**
         * Picks the running loop with the fewest sessions (one that died is skipped) and counts the session being
         * dealt to it there ({@link EventLoop#claim}).
         *
         * @return that loop, or null if none runs.
         * A tie goes to this, the accepting loop, which can begin the session at once: handing
         * it to another loop costs a wake-up of that loop's selector and a trip through two threads. Among the
         * other loops ties go round robin.
         */
        private EventLoop claimLeastLoadedLoop() {
            EventLoop best = loop.isRunning() ? loop : null;
            int least = best == null ? Integer.MAX_VALUE : loop.load();
            int offset = nextLoop.getAndIncrement();
            for (int i = 0; i < loops.length && least > 0; i++) {
                EventLoop l = loops[Math.floorMod(offset + i, loops.length)];
                if (l != loop && l.isRunning()) {
                    int load = l.load();
                    if (load < least) {
                        best = l;
                        least = load;
                    }
                }
            }
            if (best != null) {
                best.claim();
            }
            return best;
        }

        @Override
        public void fail(Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "socksify server: accepting failed", t);
        }
    }

    /** {@code new Thread(runnable)}. */
    enum PlainThreads implements ThreadFactory {
        INSTANCE;

        @Override
        public Thread newThread(Runnable r) {
            return new Thread(r);
        }
    }

    /** Configures a {@link SocksServer}; every setting has a safe default. */
    public static final class Builder {
        InetAddress bindAddress = SocksAddress.parseLiteral("127.0.0.1");
        int port = 1080;
        final Map<String, byte[]> users = new LinkedHashMap<>();
        final List<AccessRule> clientRules = new ArrayList<>();
        final List<AccessRule> destinationRules = new ArrayList<>();
        InetAddress outgoingAddress;
        Duration handshakeTimeout = Duration.ofSeconds(10);
        Duration connectTimeout = Duration.ofSeconds(10);
        Duration replyDelay = Duration.ZERO;
        int maxConnections = 10_000;
        int bufferSize = 32 * 1024;
        int selectorThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        boolean openRelay;
        int recordLimit = 10_000;
        Consumer<SessionRecord> listener;
        Duration idleTimeout;
        int maxConnectionsPerClient;
        Lookups.Resolver lookupResolver = InetAddress::getAllByName;
        IntFunction<ByteBuffer> bufferAllocator = ByteBuffer::allocateDirect;
        ThreadFactory threadFactory = PlainThreads.INSTANCE;
        final List<String> principalRules = new ArrayList<>();
        GssapiAcceptor gssapi;

        private Builder() {
        }

        /**
         * Creates every thread the server runs on (selector loops and name lookups); the server then names them
         * {@code socksify-server-<port>-...} and makes them daemons. Default: {@code new Thread(runnable)}. An
         * embedding that must tell the server's threads apart (socksify's agent exempts them from routing) marks
         * them here.
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
            return this;
        }

        /** The address to listen on; default 127.0.0.1. */
        public Builder bind(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The port to listen on; 0 picks a free one ({@link SocksServer#address()} tells which); default 1080. */
        public Builder port(int port) {
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
            return this;
        }

        /**
         * Adds a user for RFC 1929 username/password authentication. With at least one user, every SOCKS5 client
         * must authenticate and SOCKS4/4a requests are rejected.
         */
        public Builder user(String name, String password) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(password, "password");
            int n = name.getBytes(StandardCharsets.UTF_8).length;
            int p = password.getBytes(StandardCharsets.UTF_8).length;
            if (n < 1 || n > 255) {
                throw new IllegalArgumentException("user name: " + n + " octets (expected: 1..255)");
            }
            if (p > 255) {
                throw new IllegalArgumentException("password of user " + name + ": " + p
                        + " octets (expected: 0..255)");
            }
            users.put(name, password.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /**
         * Offers the GSS-API method (RFC 1961, Kerberos V5) with these keys and levels, preferred over the others;
         * with it every SOCKS5 client must authenticate (by GSS-API, or by username/password if users are
         * configured) and SOCKS4/4a requests are rejected.
         */
        public Builder gssapi(GssapiAcceptor acceptor) {
            this.gssapi = Objects.requireNonNull(acceptor, "acceptor");
            return this;
        }

        /**
         * {@code gssapi(GssapiAcceptor.builder(keytab).principal(principal).build())}: integrity and confidentiality
         * allowed.
         *
         * @param principal the one principal accepted ({@code rcmd/host@REALM}), or null for any key of the keytab
         */
        public Builder gssapi(java.nio.file.Path keytab, String principal) {
            return gssapi(GssapiAcceptor.builder(keytab).principal(principal).build());
        }

        /**
         * Allows only these GSS-API principals ({@code alice@REALM}, {@code *@REALM} for a realm, {@code *}); default:
         * every principal the keytab's keys authenticate. Another principal's request is answered {@code REP} 2, and so
         * is every session that did not authenticate by GSS-API (a password user, with users configured too). Needs
         * {@link #gssapi}.
         */
        public Builder allowPrincipals(String... principals) {
            for (String p : principals) {
                Objects.requireNonNull(p, "principal");
                if (p.isBlank() || (p.contains("*") && !p.equals("*") && !(p.startsWith("*@") && p.length() > 2
                        && p.indexOf('*', 1) < 0))) {
                    throw new IllegalArgumentException("principal rule: " + p
                            + " (expected: user@REALM, *@REALM or *)");
                }
                if (!p.equals("*") && (p.indexOf('@') <= 0 || p.endsWith("@"))) {
                    // A Kerberos principal always has its realm: a rule without one could never match.
                    throw new IllegalArgumentException("principal rule: " + p
                            + " has no realm (expected: user@REALM, *@REALM or *)");
                }
                principalRules.add(p);
            }
            return this;
        }

        /** Allows clients from these networks (CIDR or address; see {@link AccessRule}); default: every client. */
        public Builder allowClients(String... cidrs) {
            for (String c : cidrs) {
                AccessRule r = AccessRule.parse(c);
                if (!r.isNetwork()) {
                    throw new IllegalArgumentException("client rule: " + c
                            + " (expected: CIDR such as 192.168.0.0/16 or an IP address)");
                }
                clientRules.add(r);
            }
            return this;
        }

        /**
         * Allows destinations matching these rules (CIDR, address, host name, {@code *.domain}, {@code *}; see
         * {@link AccessRule}); default: every destination. A host name is allowed if a host rule matches it or a
         * network rule matches an address it resolves to; others get {@code REP} 2.
         */
        public Builder allowDestinations(String... rules) {
            for (String r : rules) {
                destinationRules.add(AccessRule.parse(r));
            }
            return this;
        }

        /** The local address outgoing connections and datagrams are sent from (like Dante's {@code external}). */
        public Builder outgoingBindAddress(InetAddress address) {
            this.outgoingAddress = address;
            return this;
        }

        /** How long a client has from connecting to a complete request; default 10 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /** How long an outgoing connection may take; then {@code REP} 6 (TTL expired); default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * A test hook: holds back every CONNECT reply this long after the outcome is known; default zero.
         */
        public Builder replyDelay(Duration delay) {
            Objects.requireNonNull(delay, "replyDelay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("replyDelay: " + delay + " (expected: zero or more)");
            }
            this.replyDelay = delay;
            return this;
        }

        /** The most client connections open at once; more are closed on accept; default 10,000. */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections: " + max + " (expected: 1 or more)");
            }
            this.maxConnections = max;
            return this;
        }

        /**
         * The most client connections open at once from one IP address; more are closed on accept; default 0: no
         * limit but {@link #maxConnections}.
         */
        public Builder maxConnectionsPerClient(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxConnectionsPerClient: " + max + " (expected: 0 or more)");
            }
            this.maxConnectionsPerClient = max;
            return this;
        }

        /**
         * Ends a TCP relay or a UDP association through which no byte has passed for this long (checked at this
         * interval, so it ends within twice the time); null, the default, never does. The handshake has its own
         * {@link #handshakeTimeout}; a BIND waits 60 s for its peer.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout == null ? null : positive("idleTimeout", timeout);
            return this;
        }

        /** A test hook: how names are resolved; default {@link InetAddress#getAllByName}. */
        Builder lookupResolver(Lookups.Resolver resolver) {
            this.lookupResolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** A test hook: how the relay buffers are allocated; default {@link ByteBuffer#allocateDirect}. */
        Builder bufferAllocator(IntFunction<ByteBuffer> allocator) {
            this.bufferAllocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /** Size of each of the two relay buffers of a TCP session, in bytes; default 32 KiB. */
        public Builder bufferSize(int bytes) {
            if (bytes < 1024 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("bufferSize: " + bytes + " (expected: 1024..16777216)");
            }
            this.bufferSize = bytes;
            return this;
        }

        /** The number of selector threads; default one per available processor. */
        public Builder selectorThreads(int threads) {
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("selectorThreads: " + threads + " (expected: 1..256)");
            }
            this.selectorThreads = threads;
            return this;
        }

        /** Allows listening on a non-loopback address with neither users nor client rules. */
        public Builder allowOpenRelay() {
            this.openRelay = true;
            return this;
        }

        /** How many ended sessions {@link SocksServer#records()} keeps (the latest); 0 keeps none; default 10,000. */
        public Builder recordLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("recordLimit: " + limit + " (expected: 0 or more)");
            }
            this.recordLimit = limit;
            return this;
        }

        /** Called with each session's record when it ends, on a selector thread: must not block. */
        public Builder onSessionEnd(Consumer<SessionRecord> listener) {
            this.listener = listener;
            return this;
        }

        /**
         * @throws IllegalStateException for principal rules ({@link #allowPrincipals}) without GSS-API
         *                               ({@link #gssapi}): no session could have a principal to match
         */
        public SocksServer build() {
            if (!principalRules.isEmpty() && gssapi == null) {
                throw new IllegalStateException("allowPrincipals " + principalRules
                        + ": needs gssapi(...) (principal rules admit only GSS-API sessions)");
            }
            return new SocksServer(this);
        }

        /** {@code build().start()}. */
        public SocksServer start() throws IOException {
            return build().start();
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: more than zero)");
            }
            return d;
        }
    }
}
