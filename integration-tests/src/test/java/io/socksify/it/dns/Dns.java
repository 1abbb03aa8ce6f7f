package io.socksify.it.dns;

import io.socksify.it.apps.dns.RemoteDnsApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.TlsEchoTarget;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs {@link RemoteDnsApp} in a fresh JVM and reads what it printed. */
final class Dns {
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(40);
    /** What {@code InetAddress.toString()} starts with for a placeholder of {@link Hostnames#PROXY_ONLY}. */
    static final String PLACEHOLDER = Hostnames.PROXY_ONLY + "/198.1";

    private Dns() {
    }

    /** The JVM options of a child that resolves no name itself and trusts the TLS targets. */
    static List<String> noLookup() {
        List<String> jvm = new ArrayList<>(List.of(TlsEchoTarget.trustStoreJvmArgs()));
        jvm.add(Hostnames.noLookupJvmArg());
        return jvm;
    }

    static ChildJvm.Builder app(Path jdk, String agentOptions, List<String> jvmArgs, String kind, String host,
            int port) {
        ChildJvm.Builder b = ChildJvm.builder(RemoteDnsApp.class).javaHome(jdk)
                .jvmArgs(jvmArgs.toArray(String[]::new)).args(kind, host, Integer.toString(port));
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b;
    }

    static ChildJvm run(Path jdk, String agentOptions, List<String> jvmArgs, String kind, String host, int port) {
        return app(jdk, agentOptions, jvmArgs, kind, host, port).run(CHILD_TIMEOUT);
    }

    static void assertOk(ChildJvm child) {
        assertEquals(0, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("\nOK\n"), child.describe());
    }

    static void assertFailed(ChildJvm child, Class<?> type, String messagePart) {
        assertEquals(3, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("FAILED " + type.getName() + " "), "expected " + type.getName() + "\n"
                + child.describe());
        assertTrue(child.stdout().contains(messagePart), "expected a message with '" + messagePart + "'\n"
                + child.describe());
    }

    static String value(ChildJvm child, String key) {
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith(key + " ")) {
                return line.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + " line\n" + child.describe());
    }
}
