package io.socksify.it.agent;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@link ConnectApp} in a fresh JVM, with or without the agent ({@link ChildApps} reads what it printed). */
final class Apps {
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(40);

    private Apps() {
    }

    /**
     * @param agentOptions the agent's options; null runs without the agent (the negative control)
     * @param jvmArgs      extra JVM options, e.g. {@code -Dsocksify.proxy=...}
     */
    static ChildJvm connect(Path javaHome, String agentOptions, List<String> jvmArgs, String... args) {
        return ChildApps.run(ConnectApp.class, javaHome, agentOptions, CHILD_TIMEOUT, jvmArgs, args);
    }

    static ChildJvm connect(Path javaHome, String agentOptions, String... args) {
        return connect(javaHome, agentOptions, List.of(), args);
    }

    static List<String> args(String... args) {
        return new ArrayList<>(List.of(args));
    }

    static long elapsedMillis(ChildJvm child) {
        return Long.parseLong(ChildApps.value(child, "ELAPSED"));
    }

    /** The agent's stderr is its one INFO line, nothing else (no JVM or library warnings). */
    static void assertOnlyInfoLine(ChildJvm child) {
        List<String> lines = child.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "stderr should be the one INFO line\n" + child.describe());
        assertTrue(lines.get(0).startsWith("INFO socksify - socksify "), child.describe());
    }
}
