package io.socksify.it.bench;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SocksServer;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Datagram round trips per second through a SOCKS5 UDP relay, in one run: an application's plain
 * {@code DatagramChannel} under the socksify agent, beside a client without the agent that speaks the SOCKS UDP
 * header itself ({@link UdpRoundTripMain} {@code plain}), and the same application without any proxy as the
 * baseline. Each client runs in its own fresh JVM; rounds interleave them and the best of each is kept.
 * Options: {@code --trips} (per client run, default 20000), {@code --rounds} (default 3), {@code --sizes}
 * (payload bytes, default 64,1024), {@code --proxies} (embedded,dante). Needs {@code -Dsocksify.agent.jar}.
 */
public final class UdpBenchmark {
    private UdpBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("trips", "20000", "rounds", "3", "sizes",
                "64,1024", "proxies", "embedded,dante"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int trips = Integer.parseInt(options.get("trips"));
        int rounds = Integer.parseInt(options.get("rounds"));
        System.out.printf("JDK %s, %d round trips per run, best of %d rounds%n", Runtime.version(), trips, rounds);
        System.out.printf("%-9s %6s %12s %12s %12s %8s%n", "proxy", "bytes", "direct/s", "plain/s", "agent/s",
                "agent/plain");
        try (UdpEchoTarget target = UdpEchoTarget.acceptingAny()) {
            for (String proxyName : options.get("proxies").split(",")) {
                try (AutoCloseable proxy = proxyName.equals("dante") ? Dante.builder().start()
                        : SocksServer.builder().port(0).start()) {
                    InetSocketAddress address = proxy instanceof Dante d ? d.address()
                            : ((SocksServer) proxy).address();
                    for (String size : options.get("sizes").split(",")) {
                        long direct = 0;
                        long plain = 0;
                        long agent = 0;
                        for (int r = 0; r < rounds; r++) {
                            direct = Math.max(direct, rate(null, "app", target, address, trips, size));
                            plain = Math.max(plain, rate(null, "plain", target, address, trips, size));
                            agent = Math.max(agent, rate("proxy=socks5://127.0.0.1:" + address.getPort()
                                    + ",bypass=none", "app", target, address, trips, size));
                        }
                        System.out.printf("%-9s %6s %12d %12d %12d %8.2f%n", proxyName, size, direct, plain, agent,
                                (double) agent / plain);
                    }
                }
            }
        }
    }

    private static long rate(String agentOptions, String mode, UdpEchoTarget target, InetSocketAddress proxy,
            int trips, String size) {
        List<String> args = new ArrayList<>(List.of(mode, target.host(), Integer.toString(target.port()),
                proxy.getAddress().getHostAddress(), Integer.toString(proxy.getPort()), Integer.toString(trips), size));
        ChildJvm.Builder b = ChildJvm.builder(UdpRoundTripMain.class).args(args.toArray(new String[0]));
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        ChildJvm child = b.run(Duration.ofSeconds(300));
        if (child.exitCode() != 0) {
            throw new AssertionError(child.describe());
        }
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith("RATE ")) {
                return Long.parseLong(line.substring(5).trim());
            }
        }
        throw new AssertionError("no RATE\n" + child.describe());
    }
}
