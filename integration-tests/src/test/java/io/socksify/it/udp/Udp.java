package io.socksify.it.udp;

import io.socksify.it.apps.udp.UdpClientApp;
import io.socksify.it.support.ChildJvm;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the UDP apps in a fresh JVM, with or without the agent, and reads what they printed. */
final class Udp {
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);

    private Udp() {
    }

    /** Runs {@link UdpClientApp}; {@code agentOptions} null runs without the agent (the negative control). */
    static ChildJvm run(Path javaHome, String agentOptions, String... args) {
        return run(UdpClientApp.class, javaHome, agentOptions, args);
    }

    static ChildJvm run(Class<?> main, Path javaHome, String agentOptions, String... args) {
        ChildJvm.Builder b = ChildJvm.builder(main).javaHome(javaHome).args(args);
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b.run(CHILD_TIMEOUT);
    }

    static void assertOk(ChildJvm child) {
        assertEquals(0, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("\nOK\n") || child.stdout().startsWith("OK\n"), child.describe());
    }

    /** The application got a {@code type}, its message naming the text. */
    static void assertFailed(ChildJvm child, Class<?> type, String messagePart) {
        assertEquals(3, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("KIND " + type.getSimpleName() + "\n"), "expected " + type.getName()
                + "\n" + child.describe());
        assertTrue(child.stdout().contains(messagePart), "expected message with '" + messagePart + "'\n"
                + child.describe());
    }

    static String value(ChildJvm child, String name) {
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith(name + " ")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " line\n" + child.describe());
    }
}
