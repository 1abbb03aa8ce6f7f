package io.socksify.protocol.server;

import io.socksify.protocol.wire.SocksAddress;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The standalone server: {@code server [--bind ADDR] [--port N] [--users-file FILE] [--user NAME:PASSWORD ...]
 * [--allow CIDR ...]
 * [--allow-destination RULE ...] [--outgoing ADDR] [--max-connections N] [--max-connections-per-client N]
 * [--handshake-timeout SECONDS] [--idle-timeout SECONDS] [--gssapi-keytab FILE [--gssapi-principal NAME]
 * [--gssapi-level LEVELS] [--gssapi-nec]] [--allow-principal RULE ...] [--open-relay] [--help]}.
 *
 * <p>It prints one line when it listens and one line per ended session on stdout (never a password), and runs
 * until the JVM is stopped (Ctrl-C, SIGTERM), closing every session on the way out.
 *
 * <p>Users come from {@code --users-file} (refused if group or others may read it, as ssh refuses such keys), from
 * the environment variable {@value #USERS_ENV} ({@code name:password} entries separated by commas), or from
 * {@code --user}, which puts the password in the command line that every local user can read
 * ({@code /proc/PID/cmdline}, {@code ps}); all three add up.
 */
public final class SocksServerCommand {
    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: server [options]",
            "Runs a SOCKS4/4a/5 server (CONNECT, BIND, UDP ASSOCIATE; no auth, username/password or GSS-API).",
            "",
            "  --bind ADDR                 IP address to listen on (default 127.0.0.1)",
            "  --port N                    port to listen on, 0 for any free one (default 1080)",
            "  --users-file FILE           require RFC 1929 authentication by the users in FILE: one",
            "                              NAME:PASSWORD a line, # comments; FILE must not be readable by",
            "                              group or others (chmod 600). With users, SOCKS4/4a is refused",
            "  --user NAME:PASSWORD        a user on the command line; repeat for more. Every local user can",
            "                              read a command line: prefer --users-file or SOCKSIFY_SERVER_USERS",
            "  --allow CIDR                allow clients from this network only; repeat for more",
            "  --allow-destination RULE    allow only destinations matching CIDR, host, *.domain or *; repeat",
            "  --outgoing ADDR             send outgoing connections and datagrams from this local address",
            "  --max-connections N         most client connections at once (default 10000)",
            "  --max-connections-per-client N",
            "                              most connections at once from one client IP address (default: no limit)",
            "  --handshake-timeout SECONDS time a client has to send its request (default 10)",
            "  --idle-timeout SECONDS      end a relay or UDP association idle this long (default: never)",
            "  --gssapi-keytab FILE        offer GSS-API (RFC 1961, Kerberos V5) with the keys in FILE; then",
            "                              every SOCKS5 client must authenticate and SOCKS4/4a is refused",
            "  --gssapi-principal NAME     accept only this key of the keytab (rcmd/host@REALM; default: any)",
            "  --gssapi-level LEVELS       the protection levels allowed, of clear,integrity,confidentiality",
            "                              (default integrity,confidentiality, as Dante)",
            "  --gssapi-nec                also accept the level octet unwrapped (NEC's old clients)",
            "  --allow-principal RULE      allow only GSS-API principals user@REALM, *@REALM or *; repeat",
            "  --open-relay                allow a non-loopback --bind without --user or --allow",
            "  --help                      print this help",
            "",
            "Binding an address other than loopback requires users (--users-file, --user or",
            "SOCKSIFY_SERVER_USERS), --allow or --open-relay: the server is never an open relay by accident.",
            "",
            "Environment:",
            "  SOCKSIFY_SERVER_USERS       users as NAME:PASSWORD,NAME:PASSWORD (a password holding a comma",
            "                              belongs in --users-file)");
    /** The environment variable with users, {@code name:password} entries separated by commas. */
    static final String USERS_ENV = "SOCKSIFY_SERVER_USERS";

    private SocksServerCommand() {
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the server until the JVM stops; @return the exit code (2 for bad arguments, 1 if it cannot start) */
    public static int run(String[] args) {
        return run(args, System.out, System.err, null);
    }

    /**
     * Like {@link #run(String[])}, with the streams to print to, and a latch that stops the server when counted
     * down (null: run until the JVM stops).
     */
    public static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
        return run(args, out, err, stop, System.getenv());
    }

    /** Like {@link #run(String[], PrintStream, PrintStream, CountDownLatch)}, reading users from {@code env}. */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop, Map<String, String> env) {
        SocksServer.Builder builder;
        try {
            builder = parse(args, out, err, env);
        } catch (IllegalArgumentException e) {
            err.println("server: " + e.getMessage());
            err.println("Try 'server --help'.");
            return 2;
        }
        if (builder == null) {
            return 0;
        }
        builder.recordLimit(0).onSessionEnd(r -> out.println("socksify server: " + r));
        SocksServer server = builder.build();
        try {
            server.start();
        } catch (IOException | IllegalStateException e) {
            err.println("server: cannot " + (e.getMessage() != null && e.getMessage().startsWith("GSS-API:")
                    ? "start" : "listen on " + hostPort(server.config.bindAddress, server.config.port)) + ": "
                    + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(server::close, "socksify-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("socksify server: listening on " + server.address().getAddress().getHostAddress() + ":"
                + server.address().getPort());
        out.flush();
        try {
            if (stop != null) {
                stop.await();
            } else {
                new CountDownLatch(1).await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // The JVM is already shutting down; the hook closes the (closed) server again, harmlessly.
            }
        }
        return 0;
    }

    private static String hostPort(InetAddress ip, int port) {
        String host = ip.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@link #parse(String[], PrintStream, PrintStream, Map)} without environment and warnings. */
    static SocksServer.Builder parse(String[] args, PrintStream out) {
        return parse(args, out, new PrintStream(java.io.OutputStream.nullOutputStream()), Map.of());
    }

    /**
     * @param env the environment ({@value #USERS_ENV} is read from it)
     * @return a configured builder, or null after printing the help
     * @throws IllegalArgumentException naming the option, the value (never a password) and what is expected
     */
    static SocksServer.Builder parse(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        SocksServer.Builder b = SocksServer.builder();
        Options seen = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return null;
                }
                case "--open-relay" -> {
                    b.allowOpenRelay();
                    seen.openRelay = true;
                }
                case "--gssapi-nec" -> seen.gssapiNec = true;
                case "--bind", "--port", "--user", "--users-file", "--allow", "--allow-destination", "--outgoing",
                        "--max-connections", "--max-connections-per-client", "--handshake-timeout",
                        "--idle-timeout", "--gssapi-keytab", "--gssapi-principal", "--gssapi-level",
                        "--allow-principal" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + ": missing value (expected: "
                                    + expected(name) + ")");
                        }
                        value = args[++i];
                    }
                    apply(b, name, value, seen);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        String fromEnv = env.get(USERS_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            int n = 0;
            for (String entry : fromEnv.split(",")) {
                n++;
                if (!entry.isBlank()) {
                    user(b, USERS_ENV + ": entry " + n, entry.strip());
                    seen.users++;
                }
            }
        }
        gssapi(b, seen);
        if (seen.commandLineUsers > 0) {
            err.println("server: warning: --user puts a password in the command line, which every local user can "
                    + "read; prefer --users-file FILE or " + USERS_ENV);
        }
        if (!seen.bind.isLoopbackAddress() && seen.users == 0 && seen.keytab == null && !seen.allow
                && !seen.openRelay) {
            // The builder refuses too, in its own words; here the user gets them in the command's.
            throw new IllegalArgumentException("--bind " + seen.bind.getHostAddress() + ": refusing to be an open "
                    + "relay on an address other than loopback: require users with --users-file FILE (or --user, "
                    + USERS_ENV + ") or GSS-API with --gssapi-keytab FILE, restrict clients with --allow CIDR, or accept every client with --open-relay");
        }
        return b;
    }

    /** What the options said, as far as the checks after them need. */
    private static final class Options {
        InetAddress bind = SocksAddress.parseLiteral("127.0.0.1");
        int users;
        int commandLineUsers;
        boolean allow;
        boolean openRelay;
        Path keytab;
        String principal;
        String levels;
        boolean gssapiNec;
        boolean allowPrincipal;
    }

    /** The GSS-API options, checked together: a principal, levels or NEC without a keytab mean nothing. */
    private static void gssapi(SocksServer.Builder b, Options seen) {
        if (seen.keytab == null) {
            String orphan = seen.principal != null ? "--gssapi-principal" : seen.levels != null ? "--gssapi-level"
                    : seen.gssapiNec ? "--gssapi-nec" : seen.allowPrincipal ? "--allow-principal" : null;
            if (orphan != null) {
                throw new IllegalArgumentException(orphan + ": needs --gssapi-keytab FILE");
            }
            return;
        }
        if (!Files.isReadable(seen.keytab)) {
            throw new IllegalArgumentException("--gssapi-keytab " + seen.keytab
                    + ": does not exist or cannot be read (expected: a keytab with the server's keys)");
        }
        GssapiAcceptor.Builder g = GssapiAcceptor.builder(seen.keytab).principal(seen.principal).nec(seen.gssapiNec);
        if (seen.levels != null) {
            try {
                g.levels(seen.levels);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--gssapi-level " + seen.levels + ": " + e.getMessage(), e);
            }
        }
        b.gssapi(g.build());
    }

    private static String expected(String option) {
        return switch (option) {
            case "--bind", "--outgoing" -> "an IP address such as 127.0.0.1 or ::1";
            case "--port" -> "a port number 0..65535";
            case "--user" -> "NAME:PASSWORD";
            case "--users-file" -> "a file of NAME:PASSWORD lines";
            case "--allow" -> "a CIDR network such as 192.168.0.0/16 or an IP address";
            case "--allow-destination" -> "a CIDR network, an IP address, a host name, *.domain or *";
            case "--max-connections", "--max-connections-per-client" -> "a number of at least 1";
            case "--handshake-timeout", "--idle-timeout" -> "a number of seconds of at least 1";
            case "--gssapi-keytab" -> "a keytab file";
            case "--gssapi-principal" -> "a principal such as rcmd/proxy.example.com@EXAMPLE.COM";
            case "--gssapi-level" -> "a comma-separated list of clear, integrity, confidentiality";
            case "--allow-principal" -> "user@REALM, *@REALM or *";
            default -> "a value";
        };
    }

    private static void apply(SocksServer.Builder b, String name, String value, Options seen) {
        try {
            switch (name) {
                case "--bind" -> {
                    seen.bind = ip(name, value);
                    b.bind(seen.bind);
                }
                case "--outgoing" -> b.outgoingBindAddress(ip(name, value));
                case "--port" -> b.port(number(name, value, 0, 0xFFFF));
                case "--user" -> {
                    user(b, name, value);
                    seen.users++;
                    seen.commandLineUsers++;
                }
                case "--users-file" -> seen.users += usersFile(b, Path.of(value));
                case "--allow" -> {
                    b.allowClients(value);
                    seen.allow = true;
                }
                case "--allow-destination" -> b.allowDestinations(value);
                case "--max-connections" -> b.maxConnections(number(name, value, 1, Integer.MAX_VALUE));
                case "--max-connections-per-client" ->
                        b.maxConnectionsPerClient(number(name, value, 1, Integer.MAX_VALUE));
                case "--handshake-timeout" ->
                        b.handshakeTimeout(Duration.ofSeconds(number(name, value, 1, Integer.MAX_VALUE)));
                case "--idle-timeout" -> b.idleTimeout(Duration.ofSeconds(number(name, value, 1, Integer.MAX_VALUE)));
                case "--gssapi-keytab" -> seen.keytab = Path.of(value);
                case "--gssapi-principal" -> seen.principal = value;
                case "--gssapi-level" -> seen.levels = value;
                case "--allow-principal" -> {
                    b.allowPrincipals(value);
                    seen.allowPrincipal = true;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + name + "'");
            }
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(m.startsWith(name) ? m : name + ": " + m, e);
        }
    }

    private static InetAddress ip(String name, String value) {
        InetAddress a = SocksAddress.parseLiteral(value);
        if (a == null) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: " + expected(name) + ")");
        }
        return a;
    }

    private static int number(String name, String value, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: " + expected(name) + ")", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + ": " + n + " (expected: " + expected(name) + ")");
        }
        return n;
    }

    /** Adds {@code NAME:PASSWORD}; {@code where} names the source in an error, which never shows the value. */
    private static void user(SocksServer.Builder b, String where, String value) {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            // The value is not echoed: it may hold a password.
            throw new IllegalArgumentException(where + ": " + (colon < 0 ? "no ':' in the value" : "empty user name")
                    + " (expected: NAME:PASSWORD)");
        }
        try {
            b.user(value.substring(0, colon), value.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code --users-file}: UTF-8, one {@code NAME:PASSWORD} a line (the password is the rest of the line,
     * spaces included), blank lines and lines starting with {@code #} skipped. Like ssh with a private key, it
     * refuses a file that group or others may read or write (on a file system with POSIX permissions).
     *
     * @return the number of users read
     */
    static int usersFile(SocksServer.Builder b, Path file) {
        String name = "--users-file " + file;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_")) {
                    open.add(p);
                }
            }
            if (!open.isEmpty()) {
                throw new IllegalArgumentException(name + ": permissions " + mode(perms)
                        + " are too open: it holds passwords, and group or others have access to it (expected: mode"
                        + " 0600 or 0400: chmod 600 " + file + ")");
            }
        } catch (UnsupportedOperationException e) {
            // No POSIX permissions on this file system: nothing to check.
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": cannot read its permissions: " + e, e);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": cannot read it: " + e, e);
        }
        int users = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String stripped = line.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                continue;
            }
            user(b, name + ": line " + (i + 1), line);
            users++;
        }
        if (users == 0) {
            throw new IllegalArgumentException(name + ": no NAME:PASSWORD line in it");
        }
        return users;
    }

    /** @return the permissions as an octal mode, {@code 0644} */
    private static String mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }
}
