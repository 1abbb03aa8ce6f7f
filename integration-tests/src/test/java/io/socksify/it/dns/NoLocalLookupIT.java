package io.socksify.it.dns;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Executables;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Loopback;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No lookup leaves the application's JVM with {@code dns=remote}, seen from outside: the child runs under
 * {@code strace -f}, with the system resolver (no hosts file of its own), and its system calls are searched for what a
 * lookup by glibc does: opening {@code /etc/hosts}, and a packet to port 53. The same child with {@code dns=local} is
 * the control that shows both are seen when a lookup happens.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NoLocalLookupIT {
    /** In no hosts file: a local lookup of it asks DNS. */
    private static final String NOWHERE = "socksify-nowhere.test";
    private static final String DNS_PORT = "htons(53)";
    private static final String ETC_HOSTS = "\"/etc/hosts\"";

    @BeforeAll
    static void nameOnlyTheProxyResolves() {
        Hostnames.assertProxyOnlyNameConfigured();
    }

    /** Runs the child under strace; returns its system call log, asserting its exit code. */
    private static String traced(Path jdk, String agentOptions, String kind, String host, int port, int exitCode)
            throws IOException {
        Path log = Files.createTempFile("socksify-strace-", ".log");
        try {
            List<String> command = new ArrayList<>(List.of(Executables.require("strace", "strace").toString(), "-f",
                    "-qq", "-o", log.toString(), "-e", "trace=openat,open,connect,sendto,sendmsg,sendmmsg"));
            command.addAll(Dns.app(jdk, agentOptions, List.of(), kind, host, port).command());
            Map<String, String> env = new HashMap<>();
            for (String v : List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")) {
                env.put(v, null);
            }
            ExternalProcess child = ExternalProcess.start(command, env, null).awaitExit(Dns.CHILD_TIMEOUT);
            assertEquals(exitCode, child.exitCode(), child.describe());
            return Files.readString(log);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void remoteDnsLooksNothingUp(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            String proxy = "proxy=socks5h://127.0.0.1:" + server.address().getPort();
            for (String kind : List.of("okhttp", "httpclient")) {
                String calls = traced(jdk, proxy, kind, Hostnames.PROXY_ONLY, http.port(), 0);
                assertFalse(calls.contains(ETC_HOSTS), kind + ": /etc/hosts was read\n" + calls);
                assertFalse(calls.contains(DNS_PORT), kind + ": a DNS query left\n" + calls);
            }
            http.assertNoRejected();
            assertEquals(2, http.requests().size());

            // The proxy cannot resolve this one either: the connection fails there, and still nothing asked DNS here.
            String calls = traced(jdk, proxy, "okhttp", NOWHERE, http.port(), 3);
            assertFalse(calls.contains(DNS_PORT), "a DNS query left\n" + calls);
            assertFalse(calls.contains(ETC_HOSTS), "/etc/hosts was read\n" + calls);
        }
    }

    /** The control: with dns=local the same lookups are seen (and so would be a leak above). */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void localDnsIsSeenLookingUp(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                HttpTarget http = HttpTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            String proxy = "proxy=socks5h://127.0.0.1:" + server.address().getPort() + ",dns=local";
            String calls = traced(jdk, proxy, "okhttp", Hostnames.PROXY_ONLY, http.port(), 0);
            assertTrue(calls.contains(ETC_HOSTS), "/etc/hosts was not read\n" + calls);
            calls = traced(jdk, proxy, "okhttp", NOWHERE, http.port(), 3);
            assertTrue(calls.contains(DNS_PORT), "no DNS query was seen\n" + calls);
        }
    }
}
