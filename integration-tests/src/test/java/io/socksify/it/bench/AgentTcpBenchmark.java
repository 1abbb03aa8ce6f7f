package io.socksify.it.bench;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.Jdks;
import io.socksify.protocol.server.SocksServer;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent's TCP paths beside the JDK's own SOCKS client and a direct connection, in one run: for each proxy
 * (socksify's embedded server in this JVM, Dante) and each kind (connect + 1-byte echo + close, one-way bulk,
 * full-duplex bulk), {@link TcpClientMain} runs in a fresh JVM per mode, the modes interleaved within every round:
 * <ul>
 *   <li>{@code Socket}: direct (no proxy), {@code jdk} ({@code -DsocksProxyHost}), {@code socksify} (the agent);</li>
 *   <li>{@code SocketChannel} blocking and on a selector: direct, socksify (the JDK has no SOCKS for channels).</li>
 * </ul>
 * Prints the median of the rounds per mode and the ratios socksify / jdk (Socket) and socksify / direct.
 * Options: {@code --mib} (per bulk and duplex transfer, default 1024), {@code --connections} (per connect run,
 * default 1000), {@code --rounds} (default 5), {@code --proxies} (embedded,dante), {@code --kinds}
 * (connect,bulk,duplex), {@code --java} (a JDK home; default the running one). Needs {@code -Dsocksify.agent.jar}.
 *
 * <p>Each relayed connection leaves two sockets in TIME_WAIT for a minute and loopback runs out of ephemeral ports
 * near 28,000, so the connect runs are paced: no more than {@link #PORT_BUDGET} connections in any 60 s.
 */
public final class AgentTcpBenchmark {
    private static final int PORT_BUDGET = 20_000;
    private static final long TIME_WAIT_MILLIS = 62_000;
    private static final Deque<long[]> RECENT = new ArrayDeque<>();

    private record Mode(String api, String how) {
        String label() {
            return api + " " + how;
        }
    }

    private static final List<Mode> MODES = List.of(new Mode("socket", "direct"), new Mode("socket", "jdk"),
            new Mode("socket", "socksify"), new Mode("channel", "direct"), new Mode("channel", "socksify"),
            new Mode("selector", "direct"), new Mode("selector", "socksify"));

    private AgentTcpBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("mib", "1024", "connections", "1000", "rounds", "5",
                "proxies", "embedded,dante", "kinds", "connect,bulk,duplex"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path java = options.containsKey("java") ? Path.of(options.get("java")) : Jdks.current();
        int rounds = Integer.parseInt(options.get("rounds"));
        long bytes = Long.parseLong(options.get("mib")) * 1024 * 1024;
        int connections = Integer.parseInt(options.get("connections"));
        System.out.printf("java %s; %d rounds (medians), %s MiB per transfer, %d connections per connect run%n",
                java, rounds, options.get("mib"), connections);
        try (NioTarget echo = new NioTarget(NioTarget.Mode.ECHO, 64 * 1024);
                NioTarget sink = new NioTarget(NioTarget.Mode.SINK, 64 * 1024)) {
            for (String proxyName : options.get("proxies").split(",")) {
                try (AutoCloseable proxy = proxyName.equals("dante") ? Dante.builder().start()
                        : SocksServer.builder().port(0).start()) {
                    InetSocketAddress address = proxy instanceof Dante d ? d.address()
                            : ((SocksServer) proxy).address();
                    for (String kind : options.get("kinds").split(",")) {
                        InetSocketAddress target = kind.equals("bulk") ? sink.address() : echo.address();
                        long n = kind.equals("connect") ? connections : bytes;
                        Map<Mode, List<Double>> values = new LinkedHashMap<>();
                        String optionsLine = "";
                        for (int r = 0; r < rounds; r++) {
                            for (Mode mode : MODES) {
                                if (kind.equals("connect")) {
                                    pace(2L * connections * 6 / 5);
                                }
                                ChildJvm child = run(java, mode, kind, address, target, n);
                                String value = line(child, kind.equals("connect") ? "MICROS " : "MIBS ");
                                values.computeIfAbsent(mode, m -> new ArrayList<>()).add(Double.parseDouble(value));
                                if (r == 0 && !kind.equals("connect")) {
                                    optionsLine += String.format("    %-18s %s%n", mode.label(),
                                            child.stdout().lines().filter(l -> l.startsWith("OPTIONS "))
                                                    .findFirst().orElse(""));
                                }
                            }
                        }
                        report(proxyName, kind, values);
                        System.out.print(optionsLine);
                    }
                }
            }
        }
    }

    private static ChildJvm run(Path java, Mode mode, String kind, InetSocketAddress proxy, InetSocketAddress target,
            long n) {
        ChildJvm.Builder b = ChildJvm.builder(TcpClientMain.class).javaHome(java).jvmArgs("-Xmx256m")
                .args(mode.api(), kind, target.getAddress().getHostAddress(), "" + target.getPort(), "" + n);
        String proxyHost = proxy.getAddress().getHostAddress();
        if (mode.how().equals("jdk")) {
            // An empty socksNonProxyHosts: the JDK's default list would send the loopback target direct.
            b.systemProperty("socksProxyHost", proxyHost).systemProperty("socksProxyPort", "" + proxy.getPort())
                    .systemProperty("socksNonProxyHosts", "");
        } else if (mode.how().equals("socksify")) {
            b.agent("proxy=socks5://" + proxyHost + ":" + proxy.getPort() + ",bypass=none");
        }
        ChildJvm child = b.run(Duration.ofMinutes(10));
        if (child.exitCode() != 0) {
            throw new AssertionError(child.describe());
        }
        return child;
    }

    private static String line(ChildJvm child, String prefix) {
        return child.stdout().lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + "\n" + child.describe()));
    }

    /** Waits until {@code connections} more fit in the ports that TIME_WAIT leaves free. */
    private static void pace(long connections) throws InterruptedException {
        while (true) {
            long now = System.currentTimeMillis();
            while (!RECENT.isEmpty() && RECENT.peekFirst()[0] < now - TIME_WAIT_MILLIS) {
                RECENT.removeFirst();
            }
            long inUse = RECENT.stream().mapToLong(e -> e[1]).sum();
            if (inUse + connections <= PORT_BUDGET || RECENT.isEmpty()) {
                RECENT.addLast(new long[] {now, connections});
                return;
            }
            Thread.sleep(RECENT.peekFirst()[0] + TIME_WAIT_MILLIS - now + 100);
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static void report(String proxy, String kind, Map<Mode, List<Double>> values) {
        String unit = kind.equals("connect") ? "us/conn" : "MiB/s";
        System.out.printf("%n%s, %s (%s; median, then every round)%n", proxy, kind, unit);
        for (Map.Entry<Mode, List<Double>> e : values.entrySet()) {
            System.out.printf("  %-18s %10.1f   %s%n", e.getKey().label(), median(e.getValue()),
                    Arrays.toString(e.getValue().stream().mapToDouble(Double::doubleValue).toArray()));
        }
        double jdk = median(values.get(new Mode("socket", "jdk")));
        for (String api : List.of("socket", "channel", "selector")) {
            double socksify = median(values.get(new Mode(api, "socksify")));
            double direct = median(values.get(new Mode(api, "direct")));
            System.out.printf("  %-8s socksify/direct %.2f%s%n", api, socksify / direct,
                    api.equals("socket") ? String.format("   socksify/jdk %.2f", socksify / jdk) : "");
        }
    }
}
