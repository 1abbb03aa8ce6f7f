package io.socksify.it.bench;

import io.socksify.it.support.AgentJar;
import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Jdks;
import io.socksify.protocol.server.SocksServer;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Routes, side by side in one run:
 * <ul>
 *   <li>the route decision ({@code Router.route}) with 10,000 rules against 1 rule: half name rules
 *       ({@code *.sN.example}, {@code hN.example}), half CIDR rules ({@code 10.x.y.0/24}); destinations that match
 *       early, late, and not at all, by name and by address. The agent's classes are loaded from its jar into this
 *       JVM (no instrumentation is needed to decide a route);</li>
 *   <li>connect + 1-byte echo + close from a {@code java.net.Socket} under the agent (a child JVM), through one hop
 *       (the embedded server) against a two-hop chain (embedded server &gt; a second embedded server), rounds
 *       interleaved.</li>
 * </ul>
 * Medians of {@code --rounds} rounds. Run as BENCHMARKS.md says, with
 * {@code [--rounds N] [--connections N] [--decisions-only]}.
 */
public final class RouteBenchmark {
    private RouteBenchmark() {
    }

    public static void main(String[] args) throws Throwable {
        int rounds = 5;
        int connections = 2000;
        boolean chains = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--decisions-only" -> chains = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected: --rounds N, --connections N, --decisions-only)");
            }
        }
        System.out.printf("RouteBenchmark: %d cores, %s %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        decisions(rounds);
        if (chains) {
            chains(rounds, connections);
        }
    }

    private static void decisions(int rounds) throws Throwable {
        URLClassLoader agent = new URLClassLoader(new URL[] {AgentJar.path().toUri().toURL()}, null);
        Class<?> configClass = agent.loadClass("io.socksify.agent.config.AgentConfig");
        Class<?> routerClass = agent.loadClass("io.socksify.agent.route.Router");
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        MethodHandle parse = lookup.findStatic(configClass, "parse",
                MethodType.methodType(configClass, String.class, Properties.class));
        MethodHandle newRouter = lookup.findConstructor(routerClass, MethodType.methodType(void.class, configClass));
        MethodHandle route = lookup.findVirtual(routerClass, "route", MethodType.methodType(
                agent.loadClass("io.socksify.agent.route.Route"), InetSocketAddress.class))
                .asType(MethodType.methodType(Object.class, Object.class, InetSocketAddress.class));

        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            many.append(i % 2 == 0 ? "*.s" + i + ".example" : "h" + i + ".example")
                    .append("->socks5://10.255.0.").append(1 + i % 200).append(":1080;");
            many.append("10.").append(i / 250).append('.').append(i % 250).append(".0/24->direct;");
        }
        Object one = newRouter.invoke(parse.invoke("proxy=socks5h://10.255.255.1:1080,bypass=none,"
                + "routes=*.s0.example->direct", new Properties()));
        Object tenThousand = newRouter.invoke(parse.invoke("proxy=socks5h://10.255.255.1:1080,bypass=none,routes="
                + many, new Properties()));
        InetSocketAddress[] destinations = {
            InetSocketAddress.createUnresolved("www.s0.example", 443),
            InetSocketAddress.createUnresolved("a.b.s4998.example", 443),
            InetSocketAddress.createUnresolved("h4999.example", 80),
            InetSocketAddress.createUnresolved("nothing.matches.example.com", 443),
            new InetSocketAddress(InetAddress.getByName("10.0.0.7"), 22),
            new InetSocketAddress(InetAddress.getByName("10.19.249.7"), 22),
            new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 443),
        };
        int perRound = 2_000_000;
        double[] oneNs = new double[rounds];
        double[] manyNs = new double[rounds];
        for (int warm = 0; warm < 2; warm++) {
            time(route, one, destinations, perRound / 4);
            time(route, tenThousand, destinations, perRound / 4);
        }
        for (int r = 0; r < rounds; r++) {
            oneNs[r] = time(route, one, destinations, perRound);
            manyNs[r] = time(route, tenThousand, destinations, perRound);
        }
        double o = median(oneNs);
        double m = median(manyNs);
        System.out.printf(Locale.ROOT, "route decision:     1 rule %7.1f ns   10,000 rules %7.1f ns   ratio %.2f"
                + "  (median of %d rounds of %,d decisions over %d destinations)%n", o, m, m / o, rounds, perRound,
                destinations.length);
    }

    private static long sink;

    private static double time(MethodHandle route, Object router, InetSocketAddress[] destinations, int n)
            throws Throwable {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Object r = route.invokeExact(router, destinations[i % destinations.length]);
            sink += System.identityHashCode(r);
        }
        return (double) (System.nanoTime() - start) / n;
    }

    private static void chains(int rounds, int connections) throws Exception {
        try (NioTarget echo = new NioTarget(NioTarget.Mode.ECHO, 16 * 1024);
                SocksServer first = SocksServer.builder().port(0).recordLimit(0).start();
                SocksServer second = SocksServer.builder().port(0).recordLimit(0).start()) {
            String hop1 = "socks5://127.0.0.1:" + first.address().getPort();
            String hop2 = "socks5://127.0.0.1:" + second.address().getPort();
            List<Long> oneHop = new ArrayList<>();
            List<Long> twoHops = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                oneHop.add(loop("proxy=" + hop1 + ",bypass=none", echo.address(), connections));
                twoHops.add(loop("proxy=" + hop1 + ">" + hop2 + ",bypass=none", echo.address(), connections));
            }
            long o = medianLong(oneHop);
            long t = medianLong(twoHops);
            System.out.printf(Locale.ROOT, "connect+echo+close: one hop %6d us   two-hop chain %6d us   ratio %.2f"
                    + "  (median per connection; median of %d rounds of %d connections)%n", o, t, (double) t / o,
                    rounds, connections);
            System.out.println("  per round, one hop: " + oneHop + "  two hops: " + twoHops);
        }
    }

    private static long loop(String options, InetSocketAddress target, int connections) {
        ChildJvm child = ChildApps.run(ChainLoopMain.class, Jdks.current(), options, Duration.ofMinutes(5), List.of(),
                target.getAddress().getHostAddress(), "" + target.getPort(), "" + connections, "500");
        if (child.exitCode() != 0) {
            throw new IllegalStateException(child.describe());
        }
        return ChildApps.number(child, "MEDIAN_US");
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static long medianLong(List<Long> values) {
        List<Long> v = new ArrayList<>(values);
        v.sort(null);
        return v.get(v.size() / 2);
    }
}
