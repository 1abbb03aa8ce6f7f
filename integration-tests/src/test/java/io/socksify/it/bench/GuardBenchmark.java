package io.socksify.it.bench;

import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Jdks;
import io.socksify.protocol.server.SocksServer;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the last-line guard in {@code Net.connect} costs a connect, with and without it in one run: for each API
 * ({@code Socket}, blocking {@code SocketChannel}) and each decision (a bypassed destination the JDK connects
 * directly, the cheapest connect there is and so the one the guard weighs most on; a destination routed through a
 * SOCKS5 server in this JVM), {@link GuardLoopMain} runs in a fresh JVM under the agent and alternates rounds with
 * the guard armed and disarmed. Prints the median per connect of each and the ratio armed / disarmed, and the cost
 * of the guard's check alone. Options: {@code --connections} (per round and state, default 1000), {@code --rounds}
 * (default 7), {@code --java} (a JDK home; default the running one). Needs {@code -Dsocksify.agent.jar}.
 */
public final class GuardBenchmark {
    private GuardBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int connections = 1000;
        int rounds = 7;
        Path java = Jdks.current();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--java" -> java = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        System.out.printf("java %s; %d rounds of %d connects per state (connect + close with RST)%n", java, rounds,
                connections);
        try (NioTarget echo = new NioTarget(NioTarget.Mode.ECHO, 64 * 1024);
                SocksServer proxy = SocksServer.builder().port(0).start()) {
            InetSocketAddress target = echo.address();
            String proxyOption = "proxy=socks5://127.0.0.1:" + proxy.address().getPort();
            for (String api : List.of("socket", "channel")) {
                run(java, api, "bypassed", proxyOption + ",bypass=" + target.getAddress().getHostAddress(), target,
                        connections, rounds);
                run(java, api, "routed", proxyOption + ",bypass=none", target, connections, rounds);
            }
        }
    }

    private static void run(Path java, String api, String decision, String options, InetSocketAddress target,
            int connections, int rounds) {
        ChildJvm child = ChildApps.run(GuardLoopMain.class, java, options, Duration.ofMinutes(10), List.of("-Xmx256m"),
                api, target.getAddress().getHostAddress(), "" + target.getPort(), "" + connections, "" + rounds);
        if (child.exitCode() != 0) {
            throw new IllegalStateException(child.describe());
        }
        double armed = value(child, "ARMED");
        double disarmed = value(child, "DISARMED");
        System.out.printf(Locale.ROOT, "%-8s %-9s armed %8.2f us  disarmed %8.2f us  armed/disarmed %.3f"
                + "  (check alone %s ns)%n", api, decision, armed, disarmed, armed / disarmed,
                ChildApps.value(child, "CHECK_NS"));
        System.out.println("    armed per round    " + ChildApps.value(child, "ARMED").split(" ", 2)[1]);
        System.out.println("    disarmed per round " + ChildApps.value(child, "DISARMED").split(" ", 2)[1]);
    }

    private static double value(ChildJvm child, String name) {
        return Double.parseDouble(ChildApps.value(child, name).split(" ")[0]);
    }
}
