package io.socksify.it.bench;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Jdks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * What the agent costs a JVM at start, side by side with the same JVM without it, in one run: wall time from
 * process start to exit, the JVM's uptime when {@code main} runs, classes loaded, and heap in use after GC
 * ({@link StartupProbeMain}), on JDK 17 and JDK 25. Four variants, run in turn (plain, an empty agent, socksify,
 * socksify with an AppCDS archive of its own classes): {@code plain} is the JVM alone, {@code empty} a one-class
 * agent whose {@code premain} does nothing (what any agent costs), {@code agent} socksify, {@code agent+cds}
 * socksify with {@code -XX:SharedArchiveFile} pointing at a dynamic archive dumped once per JDK at the start of the
 * run ({@code -XX:ArchiveClassesAtExit}, which needs {@code -XX:+AllowArchivingWithJavaAgent} while dumping with an
 * agent). Each figure is the median. Options: {@code --runs N} (per variant and JDK, default 15),
 * {@code --baseline JAR} (a fifth variant, {@code baseline}: another build of the agent jar, e.g. the previous
 * commit's, copied as {@code socksify-agent.jar} into a directory of its own, interleaved with the others so that
 * a loaded machine weighs on both alike). Needs
 * {@code -Dsocksify.agent.jar}.
 */
public final class StartupBenchmark {
    private static final String AGENT_OPTIONS = "proxy=socks5://127.0.0.1:1080";
    private static String[] variants = {"plain", "empty", "agent", "agent+cds"};
    private static Path probeJar;
    private static Path baseline;

    private StartupBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int runs = 15;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--runs")) {
                runs = Integer.parseInt(args[i + 1]);
            } else if (args[i].equals("--baseline")) {
                baseline = Path.of(args[i + 1]);
                variants = new String[] {"plain", "empty", "agent", "agent+cds", "baseline"};
            } else {
                throw new IllegalArgumentException("unknown option " + args[i] + " (expected --runs N, --baseline JAR)");
            }
        }
        Path dir = Files.createTempDirectory("startup-bench");
        if (baseline != null) {
            // The manifest's Boot-Class-Path names socksify-agent.jar: a jar of another name would take the slower
            // path of a renamed jar (and print a class data sharing warning).
            Path copy = Files.createDirectories(dir.resolve("baseline")).resolve("socksify-agent.jar");
            baseline = Files.copy(baseline, copy);
        }
        Path emptyAgent = jar(dir.resolve("empty-agent.jar"), EmptyAgent.class, true);
        // CDS archives no class from a directory on the class path: the probe runs from a jar in every variant.
        probeJar = jar(dir.resolve("probe.jar"), StartupProbeMain.class, false);
        System.out.printf("median of %d runs each; agent options: %s%n", runs, AGENT_OPTIONS);
        System.out.printf("%-6s %-10s %10s %14s %9s %12s %16s%n", "JDK", "variant", "wall ms", "main at ms", "classes",
                "heap KiB", "main - plain ms");
        for (Path jdk : Jdks.all()) {
            String name = "" + Jdks.featureVersion(jdk).orElse(0);
            Path archive = dir.resolve("socksify-" + name + ".jsa");
            dump(jdk, archive);
            List<List<long[]>> samples = new ArrayList<>();
            for (int v = 0; v < variants.length; v++) {
                samples.add(new ArrayList<>());
                run(jdk, v, emptyAgent, archive); // warm the file cache
            }
            for (int i = 0; i < runs; i++) {
                for (int v = 0; v < variants.length; v++) {
                    samples.get(v).add(run(jdk, v, emptyAgent, archive));
                }
            }
            long[] plain = medians(samples.get(0));
            for (int v = 0; v < variants.length; v++) {
                long[] m = medians(samples.get(v));
                System.out.printf("%-6s %-10s %10d %14d %9d %12d %16d%n", name, variants[v], m[0], m[1], m[2], m[3],
                        m[1] - plain[1]);
            }
        }
    }

    /** A dynamic CDS archive of what a start with socksify loads (its own classes included). */
    private static void dump(Path jdk, Path archive) {
        ChildJvm.builder(StartupProbeMain.class).javaHome(jdk).classpath(probeJar.toString()).agent(AGENT_OPTIONS)
                .jvmArgs("-XX:+UnlockDiagnosticVMOptions", "-XX:+AllowArchivingWithJavaAgent",
                        "-XX:ArchiveClassesAtExit=" + archive)
                .run(Duration.ofSeconds(120)).assertExitCode(0);
        if (!Files.isRegularFile(archive)) {
            throw new AssertionError("no CDS archive " + archive + " from " + jdk);
        }
    }

    /** A jar of one class, as an agent ({@code Premain-Class}) or not. */
    private static Path jar(Path jar, Class<?> type, boolean agent) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (agent) {
            manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), type.getName());
        }
        String entry = type.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
                InputStream in = type.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    private static long[] run(Path jdk, int variant, Path emptyAgent, Path archive) {
        ChildJvm.Builder builder = ChildJvm.builder(StartupProbeMain.class).javaHome(jdk)
                .classpath(probeJar.toString());
        if (variant == 1) {
            builder.jvmArgs("-javaagent:" + emptyAgent);
        } else if (variant == 4) {
            builder.agent(baseline, AGENT_OPTIONS);
        } else if (variant >= 2) {
            builder.agent(AGENT_OPTIONS);
            if (variant == 3) {
                builder.jvmArgs("-XX:SharedArchiveFile=" + archive);
            }
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
}
