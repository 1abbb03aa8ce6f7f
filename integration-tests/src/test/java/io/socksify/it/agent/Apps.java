package io.socksify.it.agent;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.support.ChildJvm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@link ConnectApp} in a fresh JVM, with or without the agent, and checks what it printed. */
final class Apps {
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(40);

    private Apps() {
    }

    /**
     * @param agentOptions the agent's options; null runs without the agent (the negative control)
     * @param jvmArgs      extra JVM options, e.g. {@code -Dsocksify.proxy=...}
     */
    static ChildJvm connect(Path javaHome, String agentOptions, List<String> jvmArgs, String... args) {
        ChildJvm.Builder b = ChildJvm.builder(ConnectApp.class).javaHome(javaHome)
                .jvmArgs(jvmArgs.toArray(String[]::new)).args(args);
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b.run(CHILD_TIMEOUT);
    }

    static ChildJvm connect(Path javaHome, String agentOptions, String... args) {
        return connect(javaHome, agentOptions, List.of(), args);
    }

    static List<String> args(String... args) {
        return new ArrayList<>(List.of(args));
    }

    static void assertOk(ChildJvm child) {
        assertEquals(0, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("OK"), child.describe());
    }

    /** The application got a {@code type} (the most specific standard type), its message naming the text. */
    static void assertFailed(ChildJvm child, Class<?> type, String messagePart) {
        assertEquals(3, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("KIND " + type.getSimpleName() + "\n"), "expected " + type.getName()
                + "\n" + child.describe());
        assertTrue(child.stdout().contains(messagePart), "expected message with '" + messagePart + "'\n"
                + child.describe());
    }

    static long elapsedMillis(ChildJvm child) {
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith("ELAPSED ")) {
                return Long.parseLong(line.substring(8).trim());
            }
        }
        throw new AssertionError("no ELAPSED line\n" + child.describe());
    }

    /** The agent's stderr is its one INFO line, nothing else (no JVM or library warnings). */
    static void assertOnlyInfoLine(ChildJvm child) {
        List<String> lines = child.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "stderr should be the one INFO line\n" + child.describe());
        assertTrue(lines.get(0).startsWith("INFO socksify - socksify "), child.describe());
    }
}
