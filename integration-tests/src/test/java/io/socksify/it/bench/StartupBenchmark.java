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
 * process start to exit, the JVM's uptime when {@code main} runs, classes loaded, heap in use after GC, and the
 * time of the probe's first use of a hooked class ({@link StartupProbeMain}), on JDK 17 and JDK 25. Variants, run in
 * turn: {@code plain} is the JVM alone, {@code plain+cds} the same with a static CDS archive of the classes it loads,
 * {@code empty} a one-class agent whose {@code premain} does nothing (what any agent costs), {@code hook-only} a
 * one-class agent that registers a transformer changing nothing (what any agent transforming classes as they load
 * costs), {@code agent} socksify, {@code agent+cds} socksify with a static CDS archive of the classes a start with it
 * loads, its own included. The archives are dumped once per JDK at the start of the run
 * ({@code -XX:DumpLoadedClassList}, then {@code -Xshare:dump}); socksify's archive needs its jar on
 * {@code -Xbootclasspath/a} at run time and twice at dump time (the manifest's {@code Boot-Class-Path} appends it once
 * more when the agent loads, and the boot class path must match the archive's): a dynamic archive
 * ({@code -XX:ArchiveClassesAtExit}) holds the agent's classes, but the JVM never takes them from it (the jar is
 * appended after the archive's paths are checked). On JDK 24 and later, {@code plain+aot} and {@code agent+aot} use
 * an AOT cache (JEP 483: {@code -XX:AOTMode=record}, then {@code -XX:AOTMode=create}) the same way: the jar on
 * {@code -Xbootclasspath/a}, twice when the cache is created, and {@code --add-modules=java.instrument} then, so that
 * the cache's full module graph serves a JVM started with {@code -javaagent}, and {@code -XX:-AOTClassLinking} (see
 * {@code aotCache}). The one-step {@code -XX:AOTCacheOutput} cannot be used with an agent whose manifest has
 * {@code Boot-Class-Path}: the cache's child JVM checks the boot class path before the agent appends the jar. Each
 * figure is the median. Options: {@code --runs N} (per variant and JDK, default 15), {@code --baseline JAR} (one more
 * variant, {@code baseline}: another build of the agent jar, e.g. the previous commit's, copied as
 * {@code socksify-agent.jar} into a directory of its own, interleaved with the others so that a loaded machine weighs
 * on both alike). Needs {@code -Dsocksify.agent.jar}.
 */
public final class StartupBenchmark {
    private static final String AGENT_OPTIONS = "proxy=socks5://127.0.0.1:1080";
    private static final List<String> VARIANTS = List.of("plain", "plain+cds", "plain+aot", "empty", "hook-only",
            "agent", "agent+cds", "agent+aot");
    private static String[] variants = VARIANTS.toArray(new String[0]);
    private static Path probeJar;
    private static Path baseline;
    private static Path hookOnlyAgent;

    private StartupBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int runs = 15;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--runs")) {
                runs = Integer.parseInt(args[i + 1]);
                if (runs < 1) {
                    throw new IllegalArgumentException("--runs " + runs + " (expected: 1 or more)");
                }
            } else if (args[i].equals("--baseline")) {
                baseline = Path.of(args[i + 1]);
                List<String> withBaseline = new ArrayList<>(VARIANTS);
                withBaseline.add("baseline");
                variants = withBaseline.toArray(new String[0]);
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
        hookOnlyAgent = jar(dir.resolve("hook-only-agent.jar"), HookOnlyAgent.class, true);
        // CDS archives no class from a directory on the class path: the probe runs from a jar in every variant.
        probeJar = jar(dir.resolve("probe.jar"), StartupProbeMain.class, false);
        System.out.printf("median of %d runs each; agent options: %s%n", runs, AGENT_OPTIONS);
        System.out.printf("%-6s %-10s %10s %14s %9s %12s %16s %14s%n", "JDK", "variant", "wall ms", "main at ms",
                "classes", "heap KiB", "main - plain ms", "first use ms");
        for (Path jdk : Jdks.all()) {
            String name = "" + Jdks.featureVersion(jdk).orElse(0);
            Path plainArchive = dir.resolve("plain-" + name + ".jsa");
            Path archive = dir.resolve("socksify-" + name + ".jsa");
            dump(jdk, dir, plainArchive, false);
            dump(jdk, dir, archive, true);
            boolean aot = Jdks.featureVersion(jdk).orElse(0) >= 24;
            Path plainCache = dir.resolve("plain-" + name + ".aot");
            Path cache = dir.resolve("socksify-" + name + ".aot");
            if (aot) {
                aotCache(jdk, plainCache, false);
                aotCache(jdk, cache, true);
            }
            Archives archives = new Archives(plainArchive, archive, plainCache, cache);
            List<List<long[]>> samples = new ArrayList<>();
            for (int v = 0; v < variants.length; v++) {
                samples.add(new ArrayList<>());
                if (runsOn(variants[v], aot)) {
                    run(jdk, variants[v], emptyAgent, archives); // warm the file cache
                }
            }
            for (int i = 0; i < runs; i++) {
                for (int v = 0; v < variants.length; v++) {
                    if (runsOn(variants[v], aot)) {
                        samples.get(v).add(run(jdk, variants[v], emptyAgent, archives));
                    }
                }
            }
            long[] plain = medians(samples.get(0));
            for (int v = 0; v < variants.length; v++) {
                if (!runsOn(variants[v], aot)) {
                    continue;
                }
                long[] m = medians(samples.get(v));
                System.out.printf("%-6s %-10s %10d %14d %9d %12d %16d %14d%n", name, variants[v], m[0], m[1], m[2],
                        m[3], m[1] - plain[1], m[4]);
            }
        }
    }

    /** @return whether {@code variant} runs on a JDK that has ({@code aot}) or lacks an AOT cache (before JDK 24) */
    private static boolean runsOn(String variant, boolean aot) {
        return aot || !variant.endsWith("+aot");
    }

    /**
     * A static CDS archive of what a start loads: the plain JVM's classes, or with socksify ({@code agent}) its own
     * too, from its jar on the boot class path.
     */
    private static void dump(Path jdk, Path dir, Path archive, boolean agent) {
        Path list = dir.resolve(archive.getFileName() + ".classlist");
        archive(jdk, agent, archive, "CDS archive", new String[] {"-XX:DumpLoadedClassList=" + list},
                new String[] {"-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + archive},
                new String[0]);
    }

    /** The archives and caches of one JDK. */
    private record Archives(Path plainArchive, Path archive, Path plainCache, Path cache) {
    }

    /**
     * An AOT cache (JDK 24 and later) of a start: a training run records, a second JVM (no agent: it only reads the
     * configuration) creates the cache. With socksify the boot class path and the added module must be as they are
     * when the agent has loaded.
     */
    private static void aotCache(Path jdk, Path cache, boolean agent) {
        Path configuration = Path.of(cache + ".config");
        // Without -AOTClassLinking, Temurin 25.0.3 crashes (SIGSEGV in AOTLinkedClassBulkLoader at every start with
        // the cache, or in AOTClassLinker while creating it) once classes of a boot-appended agent jar are in the
        // cache; an empty agent's cache (no boot-appended class) does not.
        archive(jdk, agent, cache, "AOT cache",
                new String[] {"-XX:AOTMode=record", "-XX:AOTConfiguration=" + configuration},
                new String[] {"-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration, "-XX:AOTCache=" + cache},
                new String[] {"-XX:-AOTClassLinking"});
    }

    /**
     * The two steps every archive takes: a training start of the probe (with socksify: its jar also on
     * {@code -Xbootclasspath/a}), then a JVM that writes the archive (with socksify: {@code java.instrument} added, as
     * {@code -javaagent} adds it at run time and JDK 25 wants it when writing, the jar twice on the boot class path, as
     * it is once the agent has loaded, and {@code agentExtra}).
     */
    private static void archive(Path jdk, boolean agent, Path result, String what, String[] training,
            String[] writing, String[] agentExtra) {
        String jar = agentJar().toString();
        ChildJvm.Builder train = ChildJvm.builder(StartupProbeMain.class).javaHome(jdk)
                .classpath(probeJar.toString()).jvmArgs(training);
        if (agent) {
            train.jvmArgs("-Xbootclasspath/a:" + jar).agent(agentJar(), AGENT_OPTIONS);
        }
        train.run(Duration.ofSeconds(120)).assertExitCode(0);
        ChildJvm.Builder write = ChildJvm.builder(StartupProbeMain.class).javaHome(jdk)
                .classpath(probeJar.toString()).jvmArgs(writing);
        if (agent) {
            write.jvmArgs(agentExtra).jvmArgs("--add-modules=java.instrument",
                    "-Xbootclasspath/a:" + jar + java.io.File.pathSeparator + jar);
        }
        write.run(Duration.ofSeconds(300)).assertExitCode(0);
        if (!Files.isRegularFile(result)) {
            throw new AssertionError("no " + what + " " + result + " from " + jdk);
        }
    }

    /** The agent jar, by its absolute path: the boot class path an archive records must match the one at run time. */
    private static Path agentJar() {
        return io.socksify.it.support.AgentJar.path().toAbsolutePath();
    }

    /** A jar of one class, as an agent ({@code Premain-Class}) or not. */
    private static Path jar(Path jar, Class<?> type, boolean agent) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (agent) {
            manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), type.getName());
            manifest.getMainAttributes().put(new Attributes.Name("Can-Retransform-Classes"), "true");
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

    private static long[] run(Path jdk, String variant, Path emptyAgent, Archives archives) {
        ChildJvm.Builder builder = ChildJvm.builder(StartupProbeMain.class).javaHome(jdk)
                .classpath(probeJar.toString());
        switch (variant) {
            case "plain" -> {
            }
            case "plain+cds" -> builder.jvmArgs("-Xshare:on", "-XX:SharedArchiveFile=" + archives.plainArchive());
            case "plain+aot" -> builder.jvmArgs("-XX:AOTMode=on", "-XX:AOTCache=" + archives.plainCache());
            case "empty" -> builder.jvmArgs("-javaagent:" + emptyAgent);
            case "hook-only" -> builder.jvmArgs("-javaagent:" + hookOnlyAgent);
            case "agent" -> builder.agent(agentJar(), AGENT_OPTIONS);
            case "agent+cds" -> builder.jvmArgs("-Xshare:on", "-XX:SharedArchiveFile=" + archives.archive(),
                    "-Xbootclasspath/a:" + agentJar()).agent(agentJar(), AGENT_OPTIONS);
            case "agent+aot" -> builder.jvmArgs("-XX:AOTMode=on", "-XX:AOTCache=" + archives.cache(),
                    "-Xbootclasspath/a:" + agentJar()).agent(agentJar(), AGENT_OPTIONS);
            case "baseline" -> builder.agent(baseline, AGENT_OPTIONS);
            default -> throw new IllegalArgumentException(variant);
        }
        long start = System.nanoTime();
        ChildJvm child = builder.run(Duration.ofSeconds(60));
        long wall = (System.nanoTime() - start) / 1_000_000;
        child.assertExitCode(0);
        return new long[] {wall, value(child, "UPTIME_AT_MAIN"), value(child, "CLASSES"),
                value(child, "HEAP_USED") / 1024, value(child, "FIRST_USE_MS")};
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
