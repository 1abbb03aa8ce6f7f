package io.socksify.protocol.server;

import io.socksify.protocol.wire.SocksAddress;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The standalone server: {@code server [--bind ADDR] [--port N] [--user NAME:PASSWORD ...] [--allow CIDR ...]
 * [--allow-destination RULE ...] [--outgoing ADDR] [--max-connections N] [--max-connections-per-client N]
 * [--handshake-timeout SECONDS] [--idle-timeout SECONDS] [--open-relay] [--help]}.
 *
 * <p>It prints one line when it listens and one line per ended session on stdout (never a password), and runs
 * until the JVM is stopped (Ctrl-C, SIGTERM), closing every session on the way out.
 */
public final class SocksServerCommand {
    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: server [options]",
            "Runs a SOCKS4/4a/5 server (CONNECT, BIND, UDP ASSOCIATE; no auth or username/password).",
            "",
            "  --bind ADDR                 IP address to listen on (default 127.0.0.1)",
            "  --port N                    port to listen on, 0 for any free one (default 1080)",
            "  --user NAME:PASSWORD        require RFC 1929 authentication; repeat for more users",
            "                              (with users, SOCKS4/4a requests are refused)",
            "  --allow CIDR                allow clients from this network only; repeat for more",
            "  --allow-destination RULE    allow only destinations matching CIDR, host, *.domain or *; repeat",
            "  --outgoing ADDR             send outgoing connections and datagrams from this local address",
            "  --max-connections N         most client connections at once (default 10000)",
            "  --max-connections-per-client N",
            "                              most connections at once from one client IP address (default: no limit)",
            "  --handshake-timeout SECONDS time a client has to send its request (default 10)",
            "  --idle-timeout SECONDS      end a relay or UDP association idle this long (default: never)",
            "  --open-relay                allow a non-loopback --bind without --user or --allow",
            "  --help                      print this help",
            "",
            "Binding an address other than loopback requires --user, --allow or --open-relay:",
            "the server is never an open relay by accident.");

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
        SocksServer.Builder builder;
        try {
            builder = parse(args, out);
        } catch (IllegalArgumentException e) {
            err.println("server: " + e.getMessage());
            err.println("Try 'server --help'.");
            return 2;
        }
        if (builder == null) {
            return 0;
        }
        builder.recordLimit(0).onSessionEnd(r -> out.println("socksify server: " + r));
        SocksServer server;
        try {
            server = builder.start();
        } catch (IOException | IllegalStateException e) {
            err.println("server: cannot start: " + e.getMessage());
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

    /** @return a configured builder, or null after printing the help */
    static SocksServer.Builder parse(String[] args, PrintStream out) {
        SocksServer.Builder b = SocksServer.builder();
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
                case "--open-relay" -> b.allowOpenRelay();
                case "--bind", "--port", "--user", "--allow", "--allow-destination", "--outgoing",
                        "--max-connections", "--max-connections-per-client", "--handshake-timeout",
                        "--idle-timeout" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + ": missing value (expected: "
                                    + expected(name) + ")");
                        }
                        value = args[++i];
                    }
                    apply(b, name, value);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        return b;
    }

    private static String expected(String option) {
        return switch (option) {
            case "--bind", "--outgoing" -> "an IP address such as 127.0.0.1 or ::1";
            case "--port" -> "a port number 0..65535";
            case "--user" -> "NAME:PASSWORD";
            case "--allow" -> "a CIDR network such as 192.168.0.0/16 or an IP address";
            case "--allow-destination" -> "a CIDR network, an IP address, a host name, *.domain or *";
            case "--max-connections", "--max-connections-per-client" -> "a number of at least 1";
            case "--handshake-timeout", "--idle-timeout" -> "a number of seconds of at least 1";
            default -> "a value";
        };
    }

    private static void apply(SocksServer.Builder b, String name, String value) {
        try {
            switch (name) {
                case "--bind" -> b.bind(ip(name, value));
                case "--outgoing" -> b.outgoingBindAddress(ip(name, value));
                case "--port" -> b.port(number(name, value));
                case "--user" -> {
                    int colon = value.indexOf(':');
                    if (colon <= 0) {
                        // The value is not echoed: it may hold a password.
                        throw new IllegalArgumentException(name + ": " + (colon < 0 ? "no ':' in the value"
                                : "empty user name") + " (expected: NAME:PASSWORD)");
                    }
                    b.user(value.substring(0, colon), value.substring(colon + 1));
                }
                case "--allow" -> b.allowClients(value);
                case "--allow-destination" -> b.allowDestinations(value);
                case "--max-connections" -> b.maxConnections(number(name, value));
                case "--max-connections-per-client" -> {
                    int max = number(name, value);
                    if (max < 1) {
                        throw new IllegalArgumentException(name + ": " + max + " (expected: " + expected(name) + ")");
                    }
                    b.maxConnectionsPerClient(max);
                }
                case "--handshake-timeout" -> b.handshakeTimeout(Duration.ofSeconds(number(name, value)));
                case "--idle-timeout" -> b.idleTimeout(Duration.ofSeconds(number(name, value)));
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

    private static int number(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: " + expected(name) + ")", e);
        }
    }
}
