package io.socksify.it.bench;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Jdks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the agent costs a JVM at start, side by side with the same JVM without it, in one run: wall time from
 * process start to exit, the JVM's uptime when {@code main} runs, classes loaded, and heap in use after GC
 * ({@link StartupProbeMain}), on JDK 17 and JDK 25. Runs alternate (no agent, agent, no agent, ...) and each figure
 * is the median. Options: {@code --runs} (per variant and JDK, default 15). Needs {@code -Dsocksify.agent.jar}.
 */
public final class StartupBenchmark {
    private static final String AGENT_OPTIONS = "proxy=socks5://127.0.0.1:1080";

    private StartupBenchmark() {
    }

    public static void main(String[] args) {
        int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 15;
        System.out.printf("median of %d runs each; agent options: %s%n", runs, AGENT_OPTIONS);
        System.out.printf("%-6s %-9s %10s %14s %9s %12s%n", "JDK", "variant", "wall ms", "main at ms", "classes",
                "heap KiB");
        for (Path jdk : Jdks.all()) {
            String name = "" + Jdks.featureVersion(jdk).orElse(0);
            List<long[]> plain = new ArrayList<>();
            List<long[]> agent = new ArrayList<>();
            run(jdk, false); // warm the file cache
            run(jdk, true);
            for (int i = 0; i < runs; i++) {
                plain.add(run(jdk, false));
                agent.add(run(jdk, true));
            }
            long[] p = medians(plain);
            long[] a = medians(agent);
            print(name, "plain", p);
            print(name, "agent", a);
            System.out.printf("%-6s %-9s %10.2f %14.2f %9.2f %12.2f%n", name, "ratio", ratio(a[0], p[0]),
                    ratio(a[1], p[1]), ratio(a[2], p[2]), ratio(a[3], p[3]));
        }
    }

    private static long[] run(Path jdk, boolean withAgent) {
        ChildJvm.Builder builder = ChildJvm.builder(StartupProbeMain.class).javaHome(jdk);
        if (withAgent) {
            builder.agent(AGENT_OPTIONS);
        }
        long start = System.nanoTime();
        ChildJvm child = builder.run(Duration.ofSeconds(60));
        long wall = (System.nanoTime() - start) / 1_000_000;
        child.assertExitCode(0);
        return new long[] {wall, value(child, "UPTIME_AT_MAIN"), value(child, "CLASSES"),
                value(child, "HEAP_USED") / 1024};
    }

    private static long value(ChildJvm child, String name) {
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " line\n" + child.describe());
    }

    private static long[] medians(List<long[]> samples) {
        long[] result = new long[samples.get(0).length];
        for (int column = 0; column < result.length; column++) {
            List<Long> values = new ArrayList<>();
            for (long[] sample : samples) {
                values.add(sample[column]);
            }
            Collections.sort(values);
            result[column] = values.get(values.size() / 2);
        }
        return result;
    }

    private static void print(String jdk, String variant, long[] v) {
        System.out.printf("%-6s %-9s %10d %14d %9d %12d%n", jdk, variant, v[0], v[1], v[2], v[3]);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }
}
