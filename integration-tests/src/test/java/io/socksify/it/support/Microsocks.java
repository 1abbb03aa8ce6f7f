package io.socksify.it.support;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real microsocks 1.0.3 SOCKS5 server (Debian package microsocks):
 * {@code microsocks -i 127.0.0.1 -p <free port> -b 127.0.0.2 [-u user -P password]}.
 *
 * <p>What it can and cannot do: SOCKS5 CONNECT only (BIND and UDP ASSOCIATE get REP 7, SOCKS4 is not spoken);
 * one user at most; a half-close from either side tears down both directions; it relays in 1 KiB blocking
 * writes, so a full-duplex stream can stall. It logs each connection ("client[n] ip: connected to host:port")
 * to stderr, shown in {@link #describe()}.
 */
public final class Microsocks extends ExternalSocksPeer {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int BIND_ATTEMPTS = 3;

    private Microsocks(ExternalProcess process, InetSocketAddress address, InetAddress externalAddress,
            String username, String password) {
        super("microsocks", process, address, externalAddress, username, password);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** microsocks' output so far (stdout and stderr). */
    @Override
    public String log() {
        return process.stdout() + process.stderr();
    }

    @Override
    public String describe() {
        return "microsocks on " + host() + ":" + port() + "\n" + process.describe();
    }

    public static final class Builder {
        private InetAddress listenAddress = Loopback.LOCALHOST;
        private InetAddress externalAddress = Loopback.PROXY_EXTERNAL;
        private String username;
        private String password;

        private Builder() {
        }

        /** {@code -i}: where clients connect; 127.0.0.1 by default. */
        public Builder listenAddress(InetAddress listenAddress) {
            this.listenAddress = listenAddress;
            return this;
        }

        /** {@code -b}: where relayed connections come from; 127.0.0.2 by default. */
        public Builder externalAddress(InetAddress externalAddress) {
            this.externalAddress = externalAddress;
            return this;
        }

        /** {@code -u}, {@code -P}: require SOCKS5 username/password (RFC 1929). */
        public Builder credentials(String username, String password) {
            this.username = username;
            this.password = password;
            return this;
        }

        /** Starts microsocks and waits (bounded) until it accepts connections. */
        public Microsocks start() {
            Path microsocks = Executables.microsocks();
            AssertionError lastFailure = null;
            for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
                int port = FreePort.find(listenAddress);
                List<String> command = new ArrayList<>(List.of(microsocks.toString(),
                        "-i", listenAddress.getHostAddress(), "-p", Integer.toString(port),
                        "-b", externalAddress.getHostAddress()));
                if (username != null) {
                    command.addAll(List.of("-u", username, "-P", password));
                }
                ExternalProcess process = ExternalProcess.start(command, Map.of(), null);
                InetSocketAddress address = new InetSocketAddress(listenAddress, port);
                Microsocks server = new Microsocks(process, address, externalAddress, username, password);
                if (awaitListening(process, address)) {
                    return server;
                }
                lastFailure = new AssertionError("microsocks did not start listening on " + address + " within "
                        + START_TIMEOUT + " (attempt " + attempt + " of " + BIND_ATTEMPTS + ")\n"
                        + server.describe());
                process.terminate(STOP_TIMEOUT);
                if (!server.log().contains("Address already in use")) {
                    break;
                }
            }
            throw lastFailure;
        }

        private static boolean awaitListening(ExternalProcess process, InetSocketAddress address) {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    return false;
                }
                if (FreePort.awaitListening(address, Duration.ofMillis(200))) {
                    return true;
                }
            }
            return false;
        }
    }
}
