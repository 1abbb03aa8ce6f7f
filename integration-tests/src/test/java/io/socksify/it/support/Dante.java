package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Dante 1.4.2 SOCKS server ({@code danted}, Debian package dante-server), run in the foreground with a
 * generated configuration: SOCKS4 and SOCKS5, CONNECT, BIND and UDP ASSOCIATE, from and to 127.0.0.0/8 only.
 *
 * <pre>{@code
 * try (Dante dante = Dante.builder().username("socksit", "secret").start()) {
 *     InetSocketAddress proxy = dante.address();          // 127.0.0.1:<free port>
 *     InetAddress from = dante.externalAddress();          // 127.0.0.2: where relayed traffic comes from
 *     ...
 * } // close() stops danted and waits for all its processes
 * }</pre>
 *
 * <p>What real Dante does that tests (and socksify) must know:
 * <ul>
 *   <li>{@code external: 127.0.0.2} makes every relayed connection and datagram come from 127.0.0.2, and the BIND
 *       listener and UDP relay of an association are on 127.0.0.2 too.</li>
 *   <li>BIND: the request's {@code DST.ADDR} must be the address the peer will connect from (for example
 *       127.0.0.1, port 0). With {@code 0.0.0.0} Dante 1.4.2 accepts the request, then refuses the peer's
 *       connection ("expected bindreply from 0.0.0.0.0") and closes the control connection.</li>
 *   <li>UDP ASSOCIATE: the request's {@code DST.ADDR} is checked against the rules as the destination. These rules
 *       allow 127.0.0.0/8 and exactly {@code 0.0.0.0}; a domain name there (PySocks sends the name "0" unless
 *       {@code rdns=False}) is refused with REP 2.</li>
 *   <li>No SOCKS4a: a 0.0.0.x destination is taken literally.</li>
 *   <li>The username method checks the system password database, so {@link Builder#username} creates a system
 *       user (which needs root) and runs Dante with {@code user.privileged: root}.</li>
 * </ul>
 * Every failure message includes Dante's log (its {@code logoutput} file) and the generated configuration.
 */
public final class Dante extends ExternalSocksPeer {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int BIND_ATTEMPTS = 3;
    private static final String LOOPBACK_NETWORK = "127.0.0.0/8";

    private final Path directory;
    private final Path logFile;
    private final String config;

    private Dante(ExternalProcess process, InetSocketAddress address, InetAddress externalAddress, Path directory,
            Path logFile, String config, String username, String password) {
        super("danted", process, address, externalAddress, username, password);
        this.directory = directory;
        this.logFile = logFile;
        this.config = config;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Dante's log so far. */
    @Override
    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "[cannot read " + logFile + ": " + e + "]";
        }
    }

    /** The generated {@code danted.conf}. */
    public String config() {
        return config;
    }

    /** Log, configuration, and danted's own stdout and stderr: for failure messages. */
    @Override
    public String describe() {
        return "Dante on " + host() + ":" + port() + " (external " + externalAddress().getHostAddress() + ")\n"
                + "----- danted.conf -----\n" + config
                + "----- danted log -----\n" + log()
                + "\n" + process.describe();
    }

    /** Stops danted and waits for all its processes, then removes its directory. */
    @Override
    public void close() {
        super.close();
        TempFiles.deleteRecursively(directory);
    }

    public static final class Builder {
        private InetAddress internalAddress = Loopback.LOCALHOST;
        private InetAddress externalAddress = Loopback.PROXY_EXTERNAL;
        private String username;
        private String password;
        private int negotiateTimeoutSeconds = 5;
        private final List<Integer> blockedPorts = new ArrayList<>();
        private Path executable;
        private Kdc kdc;
        private Path gssapiKeytab;
        private String gssapiServiceName;
        private List<String> gssapiEnctypes = List.of();
        private boolean necCompatibility;
        private String clientNetwork = LOOPBACK_NETWORK;

        private Builder() {
        }

        /** Where clients connect; 127.0.0.1 by default. */
        public Builder internalAddress(InetAddress internalAddress) {
            this.internalAddress = internalAddress;
            return this;
        }

        /**
         * Where clients may connect from, a CIDR block ({@code 10.77.1.0/24}); 127.0.0.0/8 by default. Destinations
         * stay 127.0.0.0/8; the rules also let replies (UDP, BIND) from there reach these clients.
         */
        public Builder clientNetwork(String cidr) {
            if (!cidr.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
                throw new IllegalArgumentException("clientNetwork: " + cidr + " (expected: an IPv4 CIDR block)");
            }
            this.clientNetwork = cidr;
            return this;
        }

        /** Where relayed traffic comes from; 127.0.0.2 by default. */
        public Builder externalAddress(InetAddress externalAddress) {
            this.externalAddress = externalAddress;
            return this;
        }

        /**
         * Requires SOCKS5 username/password (RFC 1929), checked by Dante against the system password database:
         * creates (or updates) the system user {@code username} with {@code password}. Needs root.
         */
        public Builder username(String username, String password) {
            if (!username.matches("[a-z_][a-z0-9_-]{0,30}")) {
                throw new IllegalArgumentException("username: " + username + " (expected: a POSIX user name)");
            }
            if (password.isEmpty() || password.contains(":") || password.contains("\n")) {
                throw new IllegalArgumentException("password: must be non-empty, without ':' or newline");
            }
            this.username = username;
            this.password = password;
            return this;
        }

        /** {@code timeout.negotiate}: how long a client may take for the SOCKS handshake; 5 s by default. */
        public Builder negotiateTimeoutSeconds(int seconds) {
            this.negotiateTimeoutSeconds = seconds;
            return this;
        }

        /**
         * Adds a {@code socks block} rule for destination port {@code port} before the pass rules, so requests to
         * it fail with "not allowed by ruleset" (SOCKS5 REP 2, SOCKS4 CD 91).
         */
        public Builder blockDestinationPort(int port) {
            blockedPorts.add(port);
            return this;
        }

        /**
         * Requires the SOCKS5 GSS-API method (RFC 1961, {@code socksmethod: gssapi}) with keys from {@code keytab},
         * run by {@code executable} (a sockd built with GSS-API: {@link DanteGssapi#sockd()}) with {@code kdc}'s
         * configuration in its environment.
         *
         * @param serviceName {@code gssapi.servicename}: Dante accepts any key {@code serviceName/*} in the keytab
         * @param enctypes    {@code gssapi.enctype}: any of {@code clear integrity confidentiality}; none writes no
         *                    line, which means Dante's default (integrity and confidentiality, not clear)
         */
        public Builder gssapi(Path executable, Kdc kdc, Path keytab, String serviceName, List<String> enctypes) {
            for (String enctype : enctypes) {
                if (!List.of("clear", "integrity", "confidentiality").contains(enctype)) {
                    throw new IllegalArgumentException("gssapi.enctype: " + enctype
                            + " (expected: clear, integrity or confidentiality)");
                }
            }
            this.executable = executable;
            this.kdc = kdc;
            this.gssapiKeytab = keytab;
            this.gssapiServiceName = serviceName;
            this.gssapiEnctypes = List.copyOf(enctypes);
            return this;
        }

        /** {@code clientcompatibility: necgssapi}: also accepts the unwrapped protection level octet. */
        public Builder necCompatibility() {
            this.necCompatibility = true;
            return this;
        }

        /** Writes the configuration, starts danted and waits (bounded) until it accepts connections. */
        public Dante start() {
            Path danted = executable != null ? executable : Executables.danted();
            if (username != null) {
                SystemUsers.ensure(username, password);
            }
            Path directory = TempFiles.createTempDirectory("socksify-dante-");
            AssertionError lastFailure = null;
            for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
                int port = FreePort.find(internalAddress);
                Path logFile = directory.resolve("danted-" + attempt + ".log");
                Path configFile = directory.resolve("danted-" + attempt + ".conf");
                String config = config(port, logFile);
                try {
                    Files.writeString(configFile, config);
                    // danted runs its children as 'nobody' after start; let them reach the log file's directory.
                    directory.toFile().setExecutable(true, false);
                    directory.toFile().setReadable(true, false);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                ExternalProcess process = ExternalProcess.start(List.of(danted.toString(), "-f",
                        configFile.toString(), "-N", "1", "-p", directory.resolve("danted.pid").toString()),
                        kdc == null ? Map.of() : kdc.environment(), directory);
                InetSocketAddress address = new InetSocketAddress(internalAddress, port);
                Dante dante = new Dante(process, address, externalAddress, directory, logFile, config, username,
                        password);
                if (awaitListening(process, address)) {
                    return dante;
                }
                lastFailure = new AssertionError("danted did not start listening on " + address + " within "
                        + START_TIMEOUT + " (attempt " + attempt + " of " + BIND_ATTEMPTS + ")\n" + dante.describe());
                process.terminate(STOP_TIMEOUT);
                if (!dante.log().contains("Address already in use")) {
                    break;
                }
            }
            TempFiles.deleteRecursively(directory);
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

        private String config(int port, Path logFile) {
            String method = kdc != null ? "gssapi" : username == null ? "none" : "username";
            StringBuilder c = new StringBuilder();
            c.append("# generated by io.socksify.it.support.Dante\n");
            c.append("logoutput: ").append(logFile).append('\n');
            c.append("internal: ").append(internalAddress.getHostAddress()).append(" port = ").append(port)
                    .append('\n');
            c.append("external: ").append(externalAddress.getHostAddress()).append('\n');
            // clientmethod is checked when the TCP connection arrives, before any SOCKS byte; socksmethod is the
            // SOCKS5 method negotiated afterwards.
            c.append("clientmethod: none\n");
            c.append("socksmethod: ").append(method).append('\n');
            // The username method reads the shadow password database, which needs root.
            c.append("user.privileged: root\n");
            c.append("user.unprivileged: nobody\n");
            c.append("timeout.negotiate: ").append(negotiateTimeoutSeconds).append('\n');
            c.append("timeout.connect: 10\n");
            c.append("client pass {\n");
            c.append("    from: ").append(clientNetwork).append(" to: ")
                    .append(clientNetwork.equals(LOOPBACK_NETWORK) ? LOOPBACK_NETWORK
                            : internalAddress.getHostAddress() + "/32").append('\n');
            c.append("    log: error connect disconnect\n");
            if (kdc != null) {
                // Dante 1.4.2 reads the gssapi keywords only inside a client rule.
                c.append("    gssapi.keytab: ").append(gssapiKeytab).append('\n');
                c.append("    gssapi.servicename: ").append(gssapiServiceName).append('\n');
                if (!gssapiEnctypes.isEmpty()) {
                    c.append("    gssapi.enctype: ").append(String.join(" ", gssapiEnctypes)).append('\n');
                }
                if (necCompatibility) {
                    c.append("    clientcompatibility: necgssapi\n");
                }
            }
            c.append("}\n");
            for (int blocked : blockedPorts) {
                c.append("socks block {\n");
                c.append("    from: ").append(clientNetwork).append(" to: 127.0.0.0/8 port = ").append(blocked)
                        .append('\n');
                c.append("    log: error connect\n");
                c.append("}\n");
            }
            c.append("socks pass {\n");
            c.append("    from: ").append(clientNetwork).append(" to: 127.0.0.0/8\n");
            c.append("    command: bind connect udpassociate bindreply udpreply\n");
            c.append("    log: error connect disconnect\n");
            c.append("}\n");
            if (!clientNetwork.equals(LOOPBACK_NETWORK)) {
                // For replies 'from' is the replying target and 'to' the client.
                c.append("socks pass {\n");
                c.append("    from: 127.0.0.0/8 to: ").append(clientNetwork).append('\n');
                c.append("    command: bindreply udpreply\n");
                c.append("    log: error connect disconnect\n");
                c.append("}\n");
            }
            // UDP ASSOCIATE and BIND requests may name 0.0.0.0 ("address not known yet"); for them 'to' is that
            // address, so allow it exactly. Relayed datagrams are still checked against the rule above.
            c.append("socks pass {\n");
            c.append("    from: ").append(clientNetwork).append(" to: 0.0.0.0/32\n");
            c.append("    command: bind udpassociate\n");
            c.append("    log: error connect disconnect\n");
            c.append("}\n");
            return c.toString();
        }
    }
}
