package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real SOCKS clients, driven as external processes: curl (CONNECT over SOCKS4, 4a, 5 and 5 with remote name
 * resolution), PySocks (UDP ASSOCIATE) and Perl's IO::Socket::Socks (BIND). Use them against any SOCKS server:
 * Dante, microsocks, or socksify's own.
 */
public final class SocksClients {

    /** How curl should talk to the proxy. */
    public enum CurlProxy {
        /** {@code --socks4}: curl resolves the name, sends an IPv4 address. */
        SOCKS4("socks4"),
        /** {@code --socks4a}: the proxy resolves the name. */
        SOCKS4A("socks4a"),
        /** {@code --socks5}: curl resolves the name. */
        SOCKS5("socks5"),
        /** {@code --socks5-hostname}: the proxy resolves the name (ATYP 3). */
        SOCKS5_HOSTNAME("socks5h");

        private final String scheme;

        CurlProxy(String scheme) {
            this.scheme = scheme;
        }
    }

    private static final Pattern BOUND = Pattern.compile("BOUND (\\S+) (\\d+)");
    private static final Pattern PEER = Pattern.compile("PEER (\\S+) (\\d+)");

    private SocksClients() {
    }

    /**
     * {@code curl -sS --max-time <timeout> --proxy <scheme>://<proxy> [--proxy-user user:password] <url>}, run to
     * its end. The response body is its stdout; curl's exit code says how the proxy answered (0 ok, 97 a SOCKS
     * failure in curl 7.88).
     *
     * @param userColonPassword {@code "user:password"} or {@code null}
     */
    public static ExternalProcess curl(CurlProxy proxyType, InetSocketAddress proxy, String userColonPassword,
            URI url, Duration timeout) {
        List<String> command = new ArrayList<>(List.of(Executables.curl().toString(), "-sS", "--max-time",
                Long.toString(Math.max(1, timeout.toSeconds())), "--proxy",
                proxyType.scheme + "://" + proxy.getAddress().getHostAddress() + ":" + proxy.getPort()));
        if (userColonPassword != null) {
            command.addAll(List.of("--proxy-user", userColonPassword));
        }
        command.add(url.toString());
        return ExternalProcess.start(command, curlEnvironment(), null).awaitExit(timeout.plusSeconds(10));
    }

    /** {@code curl -sS --max-time <timeout> <url>} with no proxy at all: the negative control. */
    public static ExternalProcess curlDirect(URI url, Duration timeout) {
        return ExternalProcess.start(List.of(Executables.curl().toString(), "-sS", "--max-time",
                Long.toString(Math.max(1, timeout.toSeconds())), "--noproxy", "*", url.toString()),
                curlEnvironment(), null).awaitExit(timeout.plusSeconds(10));
    }

    /** Proxy variables of the environment would change what curl does; the tests say everything explicitly. */
    private static Map<String, String> curlEnvironment() {
        Map<String, String> environment = new HashMap<>();
        for (String name : List.of("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY",
                "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")) {
            environment.put(name, null);
        }
        return environment;
    }

    /**
     * Sends one UDP datagram through a SOCKS5 proxy with PySocks (UDP ASSOCIATE) and waits for one reply.
     * The process prints {@code REPLY <payload> FROM <ip> <port>} and exits 0, or exits 3 with
     * {@code NO REPLY} when nothing came back within {@code timeout}. PySocks runs with {@code rdns=False}, so
     * its UDP ASSOCIATE request carries {@code 0.0.0.0:<its port>} (with {@code rdns=True} it would send the
     * domain name "0").
     *
     * @param username {@code null} for no authentication
     */
    public static ExternalProcess pySocksUdp(InetSocketAddress proxy, String username, String password,
            InetSocketAddress target, String payload, Duration timeout) {
        Path script = writeScript("pysocks-udp.py", """
                import socket, sys
                import socks

                proxy_host, proxy_port, target_host, target_port, payload, timeout = sys.argv[1:7]
                user = sys.argv[7] if len(sys.argv) > 7 else None
                password = sys.argv[8] if len(sys.argv) > 8 else None
                s = socks.socksocket(socket.AF_INET, socket.SOCK_DGRAM)
                s.set_proxy(socks.SOCKS5, proxy_host, int(proxy_port), rdns=False,
                            username=user, password=password)
                s.settimeout(float(timeout))
                s.sendto(payload.encode(), (target_host, int(target_port)))
                try:
                    data, addr = s.recvfrom(65535)
                except socket.timeout:
                    print("NO REPLY", flush=True)
                    sys.exit(3)
                print("REPLY %s FROM %s %d" % (data.decode(), addr[0], addr[1]), flush=True)
                s.close()
                """);
        List<String> command = new ArrayList<>(List.of(Executables.python3WithPySocks().toString(),
                script.toString(), proxy.getAddress().getHostAddress(), Integer.toString(proxy.getPort()),
                target.getAddress().getHostAddress(), Integer.toString(target.getPort()), payload,
                Long.toString(Math.max(1, timeout.toSeconds()))));
        if (username != null) {
            command.addAll(List.of(username, password));
        }
        try {
            return ExternalProcess.start(command, Map.of(), null).awaitExit(timeout.plusSeconds(15));
        } finally {
            TempFiles.deleteRecursively(script.getParent());
        }
    }

    /**
     * Sends one UDP datagram straight to {@code target} (no proxy) from Debian's python3 and waits for a reply:
     * the negative control for {@link #pySocksUdp}. Exit codes and output as there.
     */
    public static ExternalProcess pythonUdpDirect(InetSocketAddress target, String payload, Duration timeout) {
        Path script = writeScript("udp-direct.py", """
                import socket, sys
                target_host, target_port, payload, timeout = sys.argv[1:5]
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(float(timeout))
                s.sendto(payload.encode(), (target_host, int(target_port)))
                try:
                    data, addr = s.recvfrom(65535)
                except socket.timeout:
                    print("NO REPLY", flush=True)
                    sys.exit(3)
                print("REPLY %s FROM %s %d" % (data.decode(), addr[0], addr[1]), flush=True)
                """);
        try {
            return ExternalProcess.start(List.of(Executables.python3WithPySocks().toString(), script.toString(),
                    target.getAddress().getHostAddress(), Integer.toString(target.getPort()), payload,
                    Long.toString(Math.max(1, timeout.toSeconds()))), Map.of(), null)
                    .awaitExit(timeout.plusSeconds(15));
        } finally {
            TempFiles.deleteRecursively(script.getParent());
        }
    }

    /**
     * A SOCKS BIND client (Perl IO::Socket::Socks), started and waiting for the proxy's first reply. Connect a
     * peer to {@link PerlBind#boundAddress()}; the client then reads one line from the peer, answers
     * {@code echo:<line>} and exits 0.
     *
     * @param socksVersion 4 or 5
     * @param expectedPeer the BIND request's {@code DST.ADDR} (port 0): the address the peer will connect from
     */
    public static PerlBind perlBind(InetSocketAddress proxy, int socksVersion, InetAddress expectedPeer,
            Duration timeout) {
        Path script = writeScript("bind.pl", """
                use strict; use warnings;
                use IO::Socket::Socks qw(:DEFAULT $SOCKS_ERROR);
                $| = 1;
                my ($proxy_host, $proxy_port, $version, $peer, $timeout) = @ARGV;
                my $s = IO::Socket::Socks->new(ProxyAddr => $proxy_host, ProxyPort => $proxy_port,
                    SocksVersion => $version, BindAddr => $peer, BindPort => 0, Timeout => $timeout)
                    or die "BIND FAILED: $SOCKS_ERROR\\n";
                my ($host, $port) = $s->dst;
                print "BOUND $host $port\\n";
                my ($peer_host, $peer_port);
                if ($version == 4) {
                    # IO::Socket::Socks 0.74 parses the second SOCKS4 BIND reply as SOCKS5 (accept() tests
                    # {*$self} instead of ${*$self}), so read the 8-byte VN CD DSTPORT DSTIP reply here.
                    my $reply = '';
                    while (length($reply) < 8) {
                        my $n = sysread($s, $reply, 8 - length($reply), length($reply));
                        die "ACCEPT FAILED: connection closed after " . length($reply) . " bytes\\n" unless $n;
                    }
                    my ($vn, $cd, $port, @ip) = unpack('CCnC4', $reply);
                    die "ACCEPT FAILED: SOCKS4 reply code $cd\\n" unless $cd == 90;
                    ($peer_host, $peer_port) = (join('.', @ip), $port);
                } else {
                    $s->accept() or die "ACCEPT FAILED: $SOCKS_ERROR\\n";
                    ($peer_host, $peer_port) = $s->dst;
                }
                print "PEER $peer_host $peer_port\\n";
                my $line = <$s>;
                defined $line or die "NO LINE FROM PEER\\n";
                print $s "echo:$line";
                close $s;
                """);
        ExternalProcess process = ExternalProcess.start(List.of(Executables.perlWithSocks().toString(),
                script.toString(), proxy.getAddress().getHostAddress(), Integer.toString(proxy.getPort()),
                Integer.toString(socksVersion), expectedPeer.getHostAddress(),
                Long.toString(Math.max(1, timeout.toSeconds()))), Map.of(), null);
        return new PerlBind(process, script.getParent(), timeout);
    }

    /** A running {@link #perlBind} client. */
    public static final class PerlBind implements AutoCloseable {
        private final ExternalProcess process;
        private final Path directory;
        private final Duration timeout;

        private PerlBind(ExternalProcess process, Path directory, Duration timeout) {
            this.process = process;
            this.directory = directory;
            this.timeout = timeout;
        }

        /** The proxy's first BIND reply: where the proxy listens for the peer. Waits for it (bounded). */
        public InetSocketAddress boundAddress() {
            return parse(BOUND, process.awaitStdout("BOUND ", timeout));
        }

        /** The proxy's second BIND reply: the peer's address. Waits for it (bounded). */
        public InetSocketAddress peerAddress() {
            return parse(PEER, process.awaitStdout("PEER ", timeout));
        }

        public ExternalProcess process() {
            return process;
        }

        private InetSocketAddress parse(Pattern pattern, String output) {
            Matcher matcher = pattern.matcher(output);
            if (!matcher.find()) {
                throw new AssertionError("unexpected output of the BIND client\n" + process.describe());
            }
            return new InetSocketAddress(Loopback.address(matcher.group(1)), Integer.parseInt(matcher.group(2)));
        }

        @Override
        public void close() {
            process.close();
            TempFiles.deleteRecursively(directory);
        }
    }

    private static Path writeScript(String name, String text) {
        Path directory = TempFiles.createTempDirectory("socksify-client-");
        Path script = directory.resolve(name);
        try {
            Files.writeString(script, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return script;
    }
}
