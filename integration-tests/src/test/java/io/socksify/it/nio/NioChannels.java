package io.socksify.it.nio;

import io.socksify.it.apps.nio.NioClientApp;
import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs {@link NioClientApp} in a fresh JVM, with or without the agent ({@link ChildApps} reads what it printed). */
final class NioChannels {
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    private NioChannels() {
    }

    /** @param agentOptions null runs without the agent (the negative control) */
    static ChildJvm run(Path javaHome, String agentOptions, String... args) {
        return ChildApps.run(NioClientApp.class, javaHome, agentOptions, CHILD_TIMEOUT, List.of(), args);
    }
}
