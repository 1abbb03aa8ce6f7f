package io.socksify.it.agent;

import io.socksify.it.apps.HelloApp;
import io.socksify.it.support.ChildJvm;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the agent makes a JVM load at start, counted, not timed (the times are in
 * {@code io.socksify.it.bench.StartupBenchmark}, see BENCHMARKS.md): the smallest application, with and without the
 * agent, under {@code -Xlog:class+load}. It pins the choices that keep start-up cheap: of Byte Buddy only its ASM is
 * loaded (an {@code AgentBuilder} alone loads about a thousand classes), the platform MBean server is not built until
 * someone asks for it, and the classes the agent adds stay within a bound.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StartupFootprintIT {
    /**
     * About 590 today on JDK 17 and 780 on JDK 25 (from about 730 and 930 before the hooks were applied as classes
     * load and premain stopped calling the installer through reflection): the agent's own classes, ASM, slf4j, and
     * the JDK classes the configuration and the MBean set-up use.
     */
    private static final int MAX_ADDED_CLASSES = 850;

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void agentLoadsOnlyWhatItNeedsAtStart(Path jdk, @TempDir Path dir) throws IOException {
        Set<String> plain = loadedClasses(jdk, dir.resolve("plain.log"), false);
        Set<String> agent = loadedClasses(jdk, dir.resolve("agent.log"), true);

        Set<String> added = new TreeSet<>(agent);
        added.removeAll(plain);
        List<String> byteBuddy = added.stream()
                .filter(c -> c.startsWith("io.socksify.agent.shaded.bytebuddy.") && !c.contains(".jar.asm."))
                .collect(Collectors.toList());
        // The platform MBean server's implementation; an interface or two named in a signature may load, the server
        // itself must not be built before the application asks for it.
        List<String> jmx = added.stream().filter(c -> c.startsWith("com.sun.jmx.") || c.startsWith("sun.management."))
                .collect(Collectors.toList());
        System.out.println("JDK " + jdk + ": the agent adds " + added.size() + " classes at start ("
                + added.stream().filter(c -> c.startsWith("io.socksify.")).count() + " of its own)");

        assertEquals(List.of(), byteBuddy, "Byte Buddy beyond its ASM was loaded at start");
        assertEquals(List.of(), jmx, "the platform MBean server was built at start");
        assertTrue(added.size() < MAX_ADDED_CLASSES, added.size() + " classes added at start (at most "
                + MAX_ADDED_CLASSES + " expected): " + added);
    }

    private static Set<String> loadedClasses(Path jdk, Path log, boolean withAgent) throws IOException {
        ChildJvm.Builder builder = ChildJvm.builder(HelloApp.class).javaHome(jdk)
                .jvmArgs("-Xlog:class+load=info:file=" + log);
        if (withAgent) {
            builder.agent("proxy=socks5://127.0.0.1:1080");
        }
        ChildJvm child = builder.run(Apps.CHILD_TIMEOUT);
        child.assertExitCode(0);
        assertTrue(child.stdout().contains("hello"), child.describe());
        Set<String> classes = new TreeSet<>();
        for (String line : Files.readAllLines(log)) {
            // [0.012s][info][class,load] java.lang.Object source: shared objects file
            String[] parts = line.split(" ");
            if (parts.length > 1 && line.contains("[class,load]")) {
                // Lambda and hidden classes carry a per-run suffix; count them by their host.
                classes.add(parts[1].replaceAll("\\$\\$Lambda.*", "\\$\\$Lambda").replaceAll("/0x.*", ""));
            }
        }
        assertTrue(classes.size() > 100, "no class+load log in " + log + "\n" + child.describe());
        return classes;
    }
}
