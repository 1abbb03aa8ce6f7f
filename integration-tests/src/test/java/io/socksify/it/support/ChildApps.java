package io.socksify.it.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the tiny applications of {@code io.socksify.it.apps} in a fresh JVM, with or without the agent, and reads
 * what they printed. They share one convention: {@code NAME value} lines, then {@code OK} (exit 0), or
 * {@code KIND <standard exception type>} and a message (exit 3).
 */
public final class ChildApps {
    private ChildApps() {
    }

    /**
     * @param agentOptions the agent's options; null runs without the agent (the negative control)
     * @param jvmArgs      extra JVM options, e.g. {@code -Dsocksify.proxy=...}
     */
    public static ChildJvm run(Class<?> main, Path javaHome, String agentOptions, Duration timeout,
            List<String> jvmArgs, String... args) {
        ChildJvm.Builder b = ChildJvm.builder(main).javaHome(javaHome).jvmArgs(jvmArgs.toArray(String[]::new))
                .args(args);
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b.run(timeout);
    }

    /** Exit 0 and an {@code OK} line. */
    public static void assertOk(ChildJvm child) {
        assertEquals(0, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("\nOK\n") || child.stdout().startsWith("OK\n"), child.describe());
    }

    /** The application got a {@code type} (the most specific standard type), its message naming the text. */
    public static void assertFailed(ChildJvm child, Class<?> type, String messagePart) {
        assertEquals(3, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("KIND " + type.getSimpleName() + "\n"), "expected " + type.getName()
                + "\n" + child.describe());
        assertTrue(child.stdout().contains(messagePart), "expected message with '" + messagePart + "'\n"
                + child.describe());
    }

    /** The value of the first {@code NAME value} line. */
    public static String value(ChildJvm child, String name) {
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith(name + " ")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " line\n" + child.describe());
    }

    /** The number that starts the value of the first {@code NAME value} line. */
    public static long number(ChildJvm child, String name) {
        return Long.parseLong(value(child, name).split(" ")[0]);
    }
}
