package io.socksify.it.bench;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.DanteGssapi;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Kdc;
import io.socksify.protocol.client.GssapiOptions;
import io.socksify.protocol.client.GssapiProtection;
import io.socksify.protocol.client.SocksClient;
import io.socksify.protocol.client.SocksConnection;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The GSS-API method (RFC 1961, Kerberos) through a real GSS-API Dante at each protection level, beside
 * username/password (RFC 1929) through Debian's Dante, with socks-protocol's client ({@link SocksClient#open}, whose
 * streams wrap and unwrap at integrity and confidentiality) in this JVM, all on loopback, in one run:
 * <ul>
 *   <li>bulk: one connection sends {@code --mib} MiB one way to a sink (after an 8-byte length), timed from the first
 *       byte to the sink's 8-byte acknowledgement of the last;</li>
 *   <li>duplex: one connection sends {@code --mib} MiB to an echo target while another thread reads it back,
 *       counted both ways;</li>
 *   <li>connect: {@code --connections} sequential sessions, each the full handshake (for GSS-API the Kerberos
 *       context and the level), one byte there and back, close; milliseconds per session;</li>
 *   <li>wrap (integrity and confidentiality only): the client alone, no network: {@code --mib} MiB wrapped into
 *       {@code MTYP} 3 messages of the largest size on an established context ({@link GssapiProtection#wrap}), the
 *       ceiling of the client's own data path; the connection is then dropped.</li>
 * </ul>
 * For bulk and duplex it also prints the CPU time spent per MiB moved (median): by this JVM (the client, and the
 * targets, which only count bytes) and by the proxy's processes (Linux {@code /proc}: Dante's main process, its
 * reaped children and its live ones), which says which end bounds a wrapped transfer.
 * Modes: {@code userpass}, {@code clear}, {@code integrity}, {@code confidentiality}, and the agent's:
 * {@code agent-clear}, {@code agent-integrity}, {@code agent-confidentiality}, bulk only: a fresh JVM per round
 * ({@link GssapiAgentBulkMain}, JDK {@code --java}) under the agent jar ({@code -Dsocksify.agent.jar}) with the same
 * keytab and level, sending with a plain {@code Socket} to the same sink through the same Dante, after a warm-up
 * transfers of its own; at integrity and confidentiality through the agent's relay (GssapiRelay), at clear on the
 * application's own socket. Its CPU is the child's and the sink JVM's during the measured transfer; the share
 * of the JIT compiler threads in a JVM's CPU is printed too, the child's and (for the other modes) this JVM's. The report then
 * prints agent / socks-protocol client at each level: the relay's share. Rounds interleave the modes
 * (one warm-up round first, of at most 64 MiB); every figure is the median of {@code --rounds}; ratios are against
 * {@code userpass}. Options: {@code --mib} (default 256), {@code --rounds} (default 5), {@code --connections}
 * (default 20), {@code --modes}, {@code --kinds} (bulk,duplex,connect,wrap), {@code --java} (the agent modes' JDK,
 * default the running one). Needs root (Dante's username method checks a system user, which this creates) and the
 * GSS-API Dante of scripts/setup.sh.
 */
public final class GssapiBenchmark {
    private static final int CHUNK = 256 * 1024;
    private static final int TIMEOUT_MILLIS = 30_000;
    private static final String USER = "socksbench";
    private static final String PASSWORD = "bench-pw-1929";
    private static final List<String> ALL_MODES = List.of("userpass", "clear", "integrity", "confidentiality",
            "agent-clear", "agent-integrity", "agent-confidentiality");
    private static final String AGENT = "agent-";
    /** Clock ticks per second of {@code /proc/<pid>/stat} ({@code USER_HZ}, 100 on Linux). */
    static final long USER_HZ = 100;
    private static final Map<String, ProcessHandle> PROCESSES = new LinkedHashMap<>();
    /** For the agent modes: the KDC, the GSS-API Dante, the child JVMs' JDK. */
    private static Kdc kdc;
    private static Dante gssapiDante;
    private static Path childJava;

    private GssapiBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("mib", "256", "rounds", "5", "connections", "20",
                "modes", String.join(",", ALL_MODES), "kinds", "bulk,duplex,connect,wrap",
                "java", Jdks.current().toString()));
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].replaceFirst("^--", "");
            if (!options.containsKey(name) || i + 1 >= args.length) {
                throw new IllegalArgumentException("argument " + args[i] + " (expected: --mib N, --rounds N, "
                        + "--connections N, --modes " + String.join(",", ALL_MODES)
                        + ", --kinds bulk,duplex,connect,wrap, --java <JDK home of the agent modes' child JVMs>)");
            }
            options.put(name, args[i + 1]);
        }
        long bytes = Long.parseLong(options.get("mib")) << 20;
        int rounds = Integer.parseInt(options.get("rounds"));
        int connections = Integer.parseInt(options.get("connections"));
        List<String> modes = List.of(options.get("modes").split(","));
        List<String> kinds = List.of(options.get("kinds").split(","));
        for (String mode : modes) {
            if (!ALL_MODES.contains(mode)) {
                throw new IllegalArgumentException("mode: " + mode + " (expected: one of " + ALL_MODES + ")");
            }
        }
        childJava = Path.of(options.get("java"));
        System.out.printf("GssapiBenchmark: %d cores, %s %s (agent modes' child JVMs: %s); %s MiB per transfer, "
                        + "%d connections per connect run, median of %d rounds%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), childJava, options.get("mib"), connections, rounds);
        try (Kdc kdc = Kdc.start()) {
            GssapiBenchmark.kdc = kdc;
            // The JDK's Kerberos reads one krb5.conf per JVM: this KDC's.
            System.setProperty("java.security.krb5.conf", kdc.krb5Conf().toString());
            try (NioTarget sink = new NioTarget(NioTarget.Mode.SINK, 64 * 1024);
                    NioTarget echo = new NioTarget(NioTarget.Mode.ECHO, 64 * 1024);
                    Dante userpass = Dante.builder().username(USER, PASSWORD).start();
                    Dante gssapi = DanteGssapi.builder(kdc, "clear", "integrity", "confidentiality").start()) {
                gssapiDante = gssapi;
                Map<String, SocksProxy> proxies = new LinkedHashMap<>();
                for (String mode : modes) {
                    PROCESSES.put(mode, (mode.equals("userpass") ? userpass : gssapi).processHandle());
                    proxies.put(mode, mode.equals("userpass")
                            ? SocksProxy.of(SocksVersion.SOCKS5, userpass.address()).withCredentials(USER, PASSWORD)
                            : SocksProxy.of(SocksVersion.SOCKS5, gssapi.address()).withGssapi(GssapiOptions.builder()
                                    .keytab(kdc.userKeytab()).principal(kdc.userPrincipal()).refreshKrb5Config(true)
                                    .level(level(mode.replace(AGENT, ""))).build()));
                }
                run(proxies, kinds, sink.address(), echo.address(), bytes, rounds, connections);
            }
        }
        System.exit(0);
    }

    private static Socks5GssapiProtectionLevel level(String mode) {
        return switch (mode) {
            case "clear" -> Socks5GssapiProtectionLevel.CLEAR;
            case "integrity" -> Socks5GssapiProtectionLevel.INTEGRITY;
            default -> Socks5GssapiProtectionLevel.CONFIDENTIALITY;
        };
    }

    private static void run(Map<String, SocksProxy> proxies, List<String> kinds, InetSocketAddress sink,
            InetSocketAddress echo, long bytes, int rounds, int connections) throws Exception {
        Map<String, Map<String, List<Double>>> values = new LinkedHashMap<>();
        Map<String, Map<String, List<double[]>>> cpu = new LinkedHashMap<>();
        for (String kind : kinds) {
            values.put(kind, new LinkedHashMap<>());
            cpu.put(kind, new LinkedHashMap<>());
        }
        for (int round = 0; round <= rounds; round++) {
            boolean warmUp = round == 0;
            for (Map.Entry<String, SocksProxy> e : proxies.entrySet()) {
                StringBuilder line = new StringBuilder();
                boolean agent = e.getKey().startsWith(AGENT);
                if (agent && warmUp) {
                    continue; // each child JVM warms itself up
                }
                for (String kind : kinds) {
                    long n = warmUp ? Math.min(bytes, 64L << 20) : bytes;
                    if (agent) {
                        if (!kind.equals("bulk")) {
                            continue;
                        }
                        double[] r = agentBulk(e.getKey().substring(AGENT.length()), sink, bytes);
                        line.append(String.format(Locale.ROOT, "  bulk %.1f MiB/s (cpu ms/MiB %.2f + %.2f; of the "
                                + "JVM's, JIT compiler threads %.2f)", r[0], r[1], r[2], r[3]));
                        values.get(kind).computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(r[0]);
                        cpu.get(kind).computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                                .add(new double[] {r[1], r[2], r[3]});
                        continue;
                    }
                    long jvm0 = jvmCpuNanos();
                    long jit0 = GssapiAgentBulkMain.jitMillis(GssapiAgentBulkMain.threadTicks());
                    Map<Long, Long> proxy0 = proxyTicks(PROCESSES.get(e.getKey()));
                    double value = switch (kind) {
                        case "bulk" -> bulk(e.getValue(), sink, n);
                        case "duplex" -> duplex(e.getValue(), echo, n);
                        case "connect" -> connectMillis(e.getValue(), echo, warmUp ? Math.min(5, connections)
                                : connections);
                        case "wrap" -> wrap(e.getValue(), sink, n);
                        default -> throw new IllegalArgumentException("kind: " + kind
                                + " (expected: bulk, duplex, connect or wrap)");
                    };
                    if (Double.isNaN(value)) {
                        continue;
                    }
                    line.append(String.format(Locale.ROOT, "  %s %.1f %s", kind, value, unit(kind)));
                    double mib = n / 1048576.0 * (kind.equals("duplex") ? 2 : 1);
                    double[] cpuPerMiB = {(jvmCpuNanos() - jvm0) / 1e6 / mib,
                            proxyCpuNanos(proxy0, proxyTicks(PROCESSES.get(e.getKey()))) / 1e6 / mib,
                            (GssapiAgentBulkMain.jitMillis(GssapiAgentBulkMain.threadTicks()) - jit0) / mib};
                    if (kind.equals("bulk") || kind.equals("duplex")) {
                        line.append(String.format(Locale.ROOT, " (cpu ms/MiB %.2f + %.2f; of the JVM's, JIT "
                                + "compiler threads %.2f)", cpuPerMiB[0], cpuPerMiB[1], cpuPerMiB[2]));
                    }
                    if (!warmUp) {
                        values.get(kind).computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(value);
                        cpu.get(kind).computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(cpuPerMiB);
                    }
                }
                System.out.printf("  %s %-21s%s%n", warmUp ? "warm-up" : "round " + round, e.getKey(), line);
            }
        }
        report(values, cpu);
    }

    /** CPU time of this JVM, all threads. */
    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * CPU clock ticks by process: {@code root} with its reaped children ({@code utime stime cutime cstime} of
     * {@code /proc/<pid>/stat}) and each live descendant ({@code utime stime}); empty where {@code /proc} is missing.
     */
    static Map<Long, Long> proxyTicks(ProcessHandle root) {
        Map<Long, Long> ticks = new LinkedHashMap<>();
        ticks.put(root.pid(), ticks(root.pid(), true));
        for (ProcessHandle child : root.descendants().toList()) {
            ticks.put(child.pid(), ticks(child.pid(), false));
        }
        return ticks;
    }

    /**
     * @return the proxy's CPU time between two snapshots, in ns; NaN if a process of the first is gone in the second
     *     (Dante retires children: one not yet reaped takes its time with it, which would count less than was spent)
     */
    static double proxyCpuNanos(Map<Long, Long> before, Map<Long, Long> after) {
        if (!after.keySet().containsAll(before.keySet())) {
            return Double.NaN;
        }
        long ticks = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            ticks += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return ticks * 1e9 / USER_HZ;
    }

    private static long ticks(long pid, boolean withReapedChildren) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return 0; // gone, or no /proc
        }
        // pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis; then utime is
        // field 14 of the line, index 11 after the state (field 3).
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return withReapedChildren ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
    }

    private static String unit(String kind) {
        return kind.equals("connect") ? "ms/session" : kind.equals("wrap") ? "MiB/s, no network" : "MiB/s";
    }

    private static SocksConnection open(SocksProxy proxy, InetSocketAddress target) throws IOException {
        SocksConnection c = SocksClient.open(proxy, target, TIMEOUT_MILLIS);
        c.socket().setTcpNoDelay(true);
        c.socket().setSoTimeout(TIMEOUT_MILLIS);
        return c;
    }

    /** @return MiB/s from the first byte written to the sink's acknowledgement of the last */
    static double bulk(SocksProxy proxy, InetSocketAddress sink, long bytes) throws IOException {
        byte[] chunk = new byte[CHUNK];
        try (SocksConnection c = open(proxy, sink)) {
            OutputStream out = c.outputStream();
            long t0 = System.nanoTime();
            out.write(ByteBuffer.allocate(8).putLong(bytes).array());
            for (long sent = 0; sent < bytes; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
            }
            out.flush();
            byte[] ack = c.inputStream().readNBytes(8);
            long nanos = System.nanoTime() - t0;
            if (ack.length != 8 || ByteBuffer.wrap(ack).getLong() != bytes) {
                throw new IOException(proxy + ": the sink acknowledged " + Arrays.toString(ack) + " for " + bytes
                        + " bytes");
            }
            return bytes / 1048576.0 / (nanos / 1e9);
        }
    }

    /**
     * One agent-mode bulk: {@link GssapiAgentBulkMain} in a fresh JVM under the agent jar, GSS-API at {@code level}
     * through the same Dante (the relay at integrity and confidentiality, none at clear), a plain {@code Socket}.
     *
     * @return MiB/s; CPU ms per MiB of the child and the sink's JVM together; of the proxy (NaN where a Dante process
     *     ended in between)
     */
    static double[] agentBulk(String level, InetSocketAddress sink, long bytes) {
        String options = "proxy=socks5://" + gssapiDante.host() + ":" + gssapiDante.port() + ",bypass=none"
                + ",gssapi.keytab=" + kdc.userKeytab() + ",gssapi.principal=" + kdc.userPrincipal()
                + ",gssapi.level=" + level;
        ChildJvm child = ChildJvm.builder(GssapiAgentBulkMain.class).javaHome(childJava)
                .jvmArgs("-Xmx256m", "-Djava.security.krb5.conf=" + kdc.krb5Conf()).agent(options)
                .args(sink.getAddress().getHostAddress(), "" + sink.getPort(), "" + bytes,
                        "" + Math.min(bytes, 64L << 20), "" + gssapiDante.processHandle().pid(),
                        "" + ProcessHandle.current().pid())
                .run(Duration.ofMinutes(10));
        if (child.exitCode() != 0) {
            throw new AssertionError(child.describe());
        }
        System.out.println("    " + level + " child: " + String.join(" ", childLine(child, "THREADS ")));
        String[] mibs = childLine(child, "MIBS ");
        String[] cpu = childLine(child, "CPU ");
        double mib = bytes / 1048576.0;
        return new double[] {Double.parseDouble(mibs[0]),
                (Double.parseDouble(cpu[0]) + Double.parseDouble(cpu[2])) / mib, Double.parseDouble(cpu[1]) / mib,
                Double.parseDouble(childLine(child, "JIT ")[0]) / mib};
    }

    private static String[] childLine(ChildJvm child, String prefix) {
        return child.stdout().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + "\n" + child.describe()))
                .split(" ");
    }

    /** @return MiB/s counted both ways */
    static double duplex(SocksProxy proxy, InetSocketAddress echo, long bytes) throws Exception {
        byte[] chunk = new byte[CHUNK];
        try (SocksConnection c = open(proxy, echo)) {
            AtomicReference<IOException> writeFailure = new AtomicReference<>();
            long t0 = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = c.outputStream();
                    for (long sent = 0; sent < bytes; sent += chunk.length) {
                        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
                    }
                    out.flush();
                } catch (IOException e) {
                    writeFailure.set(e);
                }
            }, "gssapi-duplex-writer");
            writer.start();
            byte[] buf = new byte[CHUNK];
            long received = 0;
            InputStream in = c.inputStream();
            int n;
            while (received < bytes && (n = in.read(buf)) > 0) {
                received += n;
            }
            long nanos = System.nanoTime() - t0;
            writer.join();
            if (received != bytes || writeFailure.get() != null) {
                throw new IOException(proxy + ": duplex received " + received + " of " + bytes, writeFailure.get());
            }
            return 2 * bytes / 1048576.0 / (nanos / 1e9);
        }
    }

    /** @return milliseconds per session: handshake, one byte there and back, close */
    static double connectMillis(SocksProxy proxy, InetSocketAddress echo, int sessions) throws IOException {
        long t0 = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            try (SocksConnection c = open(proxy, echo)) {
                c.outputStream().write(7);
                c.outputStream().flush();
                if (c.inputStream().read() != 7) {
                    throw new IOException(proxy + ": the echo did not answer");
                }
            }
        }
        return (System.nanoTime() - t0) / 1e6 / sessions;
    }

    /** @return MiB/s of plain octets wrapped, or NaN where nothing is wrapped (userpass, clear) */
    static double wrap(SocksProxy proxy, InetSocketAddress sink, long bytes) throws IOException {
        if (proxy.gssapi() == null || proxy.gssapi().level() == Socks5GssapiProtectionLevel.CLEAR) {
            return Double.NaN;
        }
        try (SocksConnection c = open(proxy, sink)) {
            GssapiProtection protection = c.gssapiProtection();
            int max = protection.maxChunk();
            byte[] chunk = new byte[max];
            long t0 = System.nanoTime();
            long tokens = 0;
            for (long done = 0; done < bytes; done += max) {
                tokens += protection.wrap(chunk, 0, (int) Math.min(max, bytes - done)).token().length;
            }
            long nanos = System.nanoTime() - t0;
            if (tokens < bytes) {
                throw new IOException(proxy + ": wrapped " + bytes + " octets into only " + tokens);
            }
            return bytes / 1048576.0 / (nanos / 1e9);
        }
    }

    /**
     * The agent against socks-protocol's client at the same level (the application through the agent's relay, at
     * integrity and confidentiality, against the client wrapping in its own streams): throughput and CPU ratios.
     */
    private static void relayShare(Map<String, List<Double>> bulk, Map<String, List<double[]>> cpu) {
        boolean header = false;
        for (String level : List.of("clear", "integrity", "confidentiality")) {
            List<Double> agent = bulk.get(AGENT + level);
            List<Double> client = bulk.get(level);
            if (agent == null || client == null) {
                continue;
            }
            if (!header) {
                System.out.printf("  agent / socks-protocol client at the same level (bulk; CPU ms per MiB, "
                        + "JVM + proxy)%n");
                header = true;
            }
            double[] a = cpuMedians(cpu.get(AGENT + level));
            double[] c = cpuMedians(cpu.get(level));
            System.out.printf(Locale.ROOT, "  %-16s %.2fx   CPU %.2f + %.2f (of which the child's JIT %.2f) "
                    + "against %.2f + %.2f (JIT %.2f)%n", level, median(agent) / median(client), a[0], a[1], a[2],
                    c[0], c[1], c[2]);
        }
    }

    private static double[] cpuMedians(List<double[]> cpu) {
        List<Double> proxy = cpu.stream().map(c -> c[1]).filter(c -> !Double.isNaN(c)).toList();
        return new double[] {median(cpu.stream().map(c -> c[0]).toList()), proxy.isEmpty() ? Double.NaN
                : median(proxy), cpu.get(0).length > 2 ? median(cpu.stream().map(c -> c[2]).toList()) : Double.NaN};
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static void report(Map<String, Map<String, List<Double>>> values,
            Map<String, Map<String, List<double[]>>> cpu) {
        for (Map.Entry<String, Map<String, List<Double>>> k : values.entrySet()) {
            String kind = k.getKey();
            System.out.printf("%n%s (%s; median, / userpass, then every round)%n", kind, unit(kind));
            List<Double> anchor = k.getValue().get("userpass");
            if (k.getValue().isEmpty()) {
                continue;
            }
            for (Map.Entry<String, List<Double>> e : k.getValue().entrySet()) {
                double m = median(e.getValue());
                System.out.printf(Locale.ROOT, "  %-21s %9.1f   %s   %s%n", e.getKey(), m, anchor == null ? ""
                        : String.format(Locale.ROOT, "%.2fx", m / median(anchor)),
                        Arrays.toString(e.getValue().stream().mapToDouble(d -> Math.round(d * 10) / 10.0).toArray()));
            }
            if (kind.equals("bulk") || kind.equals("duplex")) {
                System.out.printf("  CPU ms per MiB moved (median): this JVM (client and target) + proxy (rounds "
                        + "where no proxy process ended)%n");
                for (Map.Entry<String, List<double[]>> e : cpu.get(kind).entrySet()) {
                    List<Double> proxy = e.getValue().stream().map(c -> c[1]).filter(c -> !Double.isNaN(c)).toList();
                    System.out.printf(Locale.ROOT, "  %-21s %6.2f + %6s   (%d of %d)%n", e.getKey(),
                            median(e.getValue().stream().map(c -> c[0]).toList()), proxy.isEmpty() ? "n/a"
                                    : String.format(Locale.ROOT, "%.2f", median(proxy)), proxy.size(),
                            e.getValue().size());
                }
            }
            if (kind.equals("bulk")) {
                relayShare(k.getValue(), cpu.get(kind));
            }
        }
    }
}
