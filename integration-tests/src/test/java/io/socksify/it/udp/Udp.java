package io.socksify.it.udp;

import io.socksify.it.apps.udp.UdpClientApp;
import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs the UDP apps in a fresh JVM, with or without the agent ({@link ChildApps} reads what they printed). */
final class Udp {
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);

    private Udp() {
    }

    /** Runs {@link UdpClientApp}; {@code agentOptions} null runs without the agent (the negative control). */
    static ChildJvm run(Path javaHome, String agentOptions, String... args) {
        return run(UdpClientApp.class, javaHome, agentOptions, args);
    }

    static ChildJvm run(Class<?> main, Path javaHome, String agentOptions, String... args) {
        return ChildApps.run(main, javaHome, agentOptions, CHILD_TIMEOUT, List.of(), args);
    }
}
