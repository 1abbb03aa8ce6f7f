package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux network namespace whose one way out is a veth pair to this host, and whose output is counted by nftables:
 * <pre>
 *   this host (test JVM, proxy, targets)          namespace (the client JVM)
 *   veth &lt;outside&gt; 10.77.N.1/24  &lt;------&gt;  veth &lt;inside&gt; 10.77.N.2/24, lo up, no IPv6
 *                                                   no default route: only 10.77.N.0/24 and lo exist
 *                                                   /etc/netns/&lt;name&gt;/resolv.conf: nameserver 10.77.N.53
 *                                                   /etc/netns/&lt;name&gt;/hosts: localhost only
 * </pre>
 * In the namespace a table {@code inet socksify_it} counts, on the output hook, every packet the namespace sends:
 * {@code proxy} (to {@link #outsideAddress()}, where the proxy listens, and its UDP relay), {@code loopback}
 * (out of {@code lo}: a connection to 127.0.0.1 or any local address in the namespace) and {@code other}
 * (everything else; dropped). A leak therefore either shows in a counter or cannot be sent at all: a destination
 * off the namespace's one subnet has no route ({@code ENETUNREACH}, nothing leaves), one on it (like the DNS server
 * of its resolv.conf, an address that nobody answers) is counted in {@code other}, and a destination literal such as
 * 127.0.0.1 reaches the namespace's own loopback and is counted in {@code loopback}. IPv6 is switched off in the
 * namespace so the kernel's own router and neighbour solicitations do not count.
 *
 * <p>Creating one needs root with {@code CAP_NET_ADMIN} and the programs {@code ip} (iproute2) and {@code nft}
 * (nftables); without them {@link #create()} fails with a message naming what is missing, never skips.
 * {@link #close()} removes the namespace, the veth pair (deleting one end deletes both) and the
 * {@code /etc/netns/<name>} directory; it is safe to call after a partial {@link #create()}.
 */
public final class NetworkNamespace implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final String TABLE = "socksify_it";
    private static final Pattern LEFTOVER = Pattern.compile("(?m)^socksify-it-(\\d+)\\b");
    private static final Pattern COUNTER = Pattern.compile("counter (\\w+) \\{\\s*packets (\\d+) bytes (\\d+)");

    /** Packets and bytes of the three counters, read at one moment. */
    public record Counters(long proxyPackets, long loopbackPackets, long otherPackets, String listing) {
    }

    private final String name;
    private final String outsideLink;
    private final int subnet;
    private final Path etcDirectory;
    private final Path ip;
    private final List<String> log = new ArrayList<>();
    private Path nft;

    private NetworkNamespace(String name, String outsideLink, int subnet, Path ip) {
        this.name = name;
        this.outsideLink = outsideLink;
        this.subnet = subnet;
        this.etcDirectory = Path.of("/etc/netns", name);
        this.ip = ip;
    }

    /**
     * Creates a namespace named {@code socksify-it-<pid>} on the first free subnet 10.77.N.0/24, N counted from this
     * JVM's pid. Leftovers of killed runs (a {@code socksify-it-<pid>} whose JVM is gone) are removed first.
     */
    public static NetworkNamespace create() {
        requireRoot();
        Path ip = Executables.require("ip", "iproute2");
        long pid = ProcessHandle.current().pid();
        String name = "socksify-it-" + pid;
        // Interface names have at most 15 characters.
        String outside = "sfy" + (pid % 1_000_000) + "o";
        removeLeftovers(ip);
        ExternalProcess.run(COMMAND_TIMEOUT, ip.toString(), "link", "delete", outside);
        NetworkNamespace ns = new NetworkNamespace(name, outside, freeSubnet(ip, pid), ip);
        try {
            ns.setUp();
            return ns;
        } catch (RuntimeException | Error e) {
            ns.close();
            throw e;
        }
    }

    /** Deletes the namespaces of test JVMs that were killed before their {@link #close()}: ours, or a dead pid's. */
    private static void removeLeftovers(Path ip) {
        Matcher m = LEFTOVER.matcher(run(ip.toString(), "netns", "list").stdout());
        while (m.find()) {
            long pid = Long.parseLong(m.group(1));
            if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).isEmpty()) {
                run(ip.toString(), "netns", "delete", m.group());
                TempFiles.deleteRecursively(Path.of("/etc/netns", m.group()));
            }
        }
    }

    private static void requireRoot() {
        ExternalProcess id = ExternalProcess.run(COMMAND_TIMEOUT, "id", "-u");
        if (id.exitCode() != 0 || !id.stdout().strip().equals("0")) {
            throw new AssertionError("the network-namespace test needs root (ip netns, veth pairs, nftables), but"
                    + " runs as uid " + id.stdout().strip() + "; run it as root, as .ci/run does\n" + id.describe());
        }
    }

    private static int freeSubnet(Path ip, long pid) {
        String addresses = run(ip.toString(), "-4", "-o", "address", "show").stdout();
        for (int i = 0; i < 254; i++) {
            int n = (int) ((pid + i) % 254) + 1;
            if (!addresses.contains(" 10.77." + n + ".")) {
                return n;
            }
        }
        throw new AssertionError("no free subnet 10.77.N.0/24 on this host\n" + addresses);
    }

    private void setUp() {
        String inside = outsideLink.substring(0, outsideLink.length() - 1) + "i";
        String ipCmd = ip.toString();
        step(ipCmd, "netns", "add", name);
        step(ipCmd, "link", "add", outsideLink, "type", "veth", "peer", "name", inside);
        step(ipCmd, "link", "set", inside, "netns", name);
        step(ipCmd, "address", "add", outsideAddress().getHostAddress() + "/24", "dev", outsideLink);
        step(ipCmd, "link", "set", outsideLink, "up");
        step(ipCmd, "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
        step(ipCmd, "-n", name, "address", "add", insideAddress().getHostAddress() + "/24", "dev", inside);
        step(ipCmd, "-n", name, "link", "set", inside, "up");
        step(ipCmd, "-n", name, "link", "set", "lo", "up");
        try {
            Files.createDirectories(etcDirectory);
            Files.writeString(etcDirectory.resolve("resolv.conf"), "# socksify NetworkNamespace: nobody answers\n"
                    + "nameserver " + dnsAddress().getHostAddress() + "\noptions timeout:1 attempts:1\n");
            Files.writeString(etcDirectory.resolve("hosts"), "127.0.0.1 localhost\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + etcDirectory, e);
        }
        nft = Executables.require("nft", "nftables");
        Path rules = TempFiles.createTempDirectory("socksify-netns-").resolve("rules.nft");
        try {
            Files.writeString(rules, "table inet " + TABLE + " {\n"
                    + "    counter proxy { }\n"
                    + "    counter loopback { }\n"
                    + "    counter other { }\n"
                    + "    chain output {\n"
                    + "        type filter hook output priority 0; policy accept;\n"
                    + "        ip daddr " + outsideAddress().getHostAddress() + " counter name proxy accept\n"
                    + "        oif lo counter name loopback accept\n"
                    + "        counter name other drop\n"
                    + "    }\n"
                    + "}\n");
            step(ipCmd, "netns", "exec", name, nft.toString(), "-f", rules.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TempFiles.deleteRecursively(rules.getParent());
        }
        String routes = step(ipCmd, "-n", name, "-4", "route", "show").stdout();
        if (routes.contains("default")) {
            throw new AssertionError("namespace " + name + " has a default route\n" + routes);
        }
    }

    private ExternalProcess step(String... command) {
        ExternalProcess p = run(command);
        log.add(String.join(" ", command));
        if (p.exitCode() != 0) {
            throw new AssertionError("setting up network namespace " + name + " failed (needs root with"
                    + " CAP_NET_ADMIN, iproute2 and nftables; scripts/setup.sh installs them): "
                    + String.join(" ", command) + "\n" + p.describe());
        }
        return p;
    }

    private static ExternalProcess run(String... command) {
        return ExternalProcess.run(COMMAND_TIMEOUT, command);
    }

    public String name() {
        return name;
    }

    /** 10.77.N.1, this host's end of the veth pair: the one address the namespace can reach. */
    public InetAddress outsideAddress() {
        return Loopback.address("10.77." + subnet + ".1");
    }

    /** 10.77.N.2, the namespace's end. */
    public InetAddress insideAddress() {
        return Loopback.address("10.77." + subnet + ".2");
    }

    /** 10.77.N.53, the namespace's DNS server: on its subnet (so a query is sent, and counted), never answered. */
    public InetAddress dnsAddress() {
        return Loopback.address("10.77." + subnet + ".53");
    }

    /** 10.77.N.0/24. */
    public String network() {
        return "10.77." + subnet + ".0/24";
    }

    /** The command prefix that runs a program in the namespace: {@code ip netns exec <name>}. */
    public List<String> execPrefix() {
        return List.of(ip.toString(), "netns", "exec", name);
    }

    /** Reads the namespace's packet counters. */
    public Counters counters() {
        String listing = step(ip.toString(), "netns", "exec", name, nft.toString(), "list", "counters").stdout();
        long proxy = -1;
        long loopback = -1;
        long other = -1;
        Matcher m = COUNTER.matcher(listing);
        while (m.find()) {
            long packets = Long.parseLong(m.group(2));
            switch (m.group(1)) {
                case "proxy" -> proxy = packets;
                case "loopback" -> loopback = packets;
                case "other" -> other = packets;
                default -> {
                }
            }
        }
        if (proxy < 0 || loopback < 0 || other < 0) {
            throw new AssertionError("cannot read the counters of namespace " + name + "\n" + listing);
        }
        return new Counters(proxy, loopback, other, listing);
    }

    /** The commands that set the namespace up, its addresses, routes and rules: for failure messages. */
    public String describe() {
        StringBuilder s = new StringBuilder("network namespace " + name + " (" + network() + ")\n");
        log.forEach(line -> s.append("  $ ").append(line).append('\n'));
        ExternalProcess state = run(ip.toString(), "-n", name, "address", "show");
        s.append(state.stdout()).append(run(ip.toString(), "-n", name, "route", "show").stdout());
        if (nft != null) {
            s.append(run(ip.toString(), "netns", "exec", name, nft.toString(), "list", "ruleset").stdout());
        }
        return s.toString();
    }

    /** Deletes the namespace (its nftables table with it), the veth pair and {@code /etc/netns/<name>}. */
    @Override
    public void close() {
        List<String> failures = new ArrayList<>();
        ExternalProcess deleteNs = run(ip.toString(), "netns", "delete", name);
        if (deleteNs.exitCode() != 0 && !deleteNs.stderr().contains("No such file")) {
            failures.add(deleteNs.describe());
        }
        // Deleting the namespace destroys its veth end, and with it the pair; this removes it if the move failed.
        ExternalProcess deleteLink = run(ip.toString(), "link", "delete", outsideLink);
        if (deleteLink.exitCode() != 0 && !deleteLink.stderr().contains("Cannot find device")) {
            failures.add(deleteLink.describe());
        }
        TempFiles.deleteRecursively(etcDirectory);
        if (!failures.isEmpty()) {
            throw new AssertionError("cannot remove network namespace " + name + "\n" + String.join("\n", failures));
        }
    }

    @Override
    public String toString() {
        return "network namespace " + name + " (" + network() + ")";
    }
}
