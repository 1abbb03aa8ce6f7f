package io.socksify.it.agent;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SessionRecord;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started with the bare agent ({@code -javaagent:socksify-agent.jar}, no options) takes its proxy from
 * {@code ALL_PROXY} and its bypass list from {@code NO_PROXY}, as curl does; an HTTP {@code ALL_PROXY} is not used.
 * The proxy is socksify's server in the test JVM sending from 127.0.0.2, the routed target accepts only that.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnvironmentProxyIT {

    private static ChildJvm run(Path jdk, String allProxyName, String allProxy, String noProxy, String... args) {
        ChildJvm.Builder builder = ChildJvm.builder(ConnectApp.class).javaHome(jdk).agent().args(args)
                .env(allProxyName, allProxy);
        if (noProxy != null) {
            builder.env("NO_PROXY", noProxy);
        }
        return builder.run(Apps.CHILD_TIMEOUT);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void allProxyRoutesAndNoProxyBypasses(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget routed = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                TcpEchoTarget bypassed = TcpEchoTarget.acceptingOnly(Loopback.LOCALHOST)) {
            String url = "socks5h://127.0.0.1:" + server.address().getPort();
            // NO_PROXY names localhost, which the bypassed target is reached by; the routed one is reached by IP.
            ChildJvm child = run(jdk, "ALL_PROXY", url, "localhost, .example.test",
                    "ip", "127.0.0.1", "" + routed.port());
            assertOk(child);
            routed.assertNoRejected();
            assertEquals(1, routed.acceptedSources().size());
            SessionRecord record = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(routed.port(), record.destination().port(), record.toString());

            ChildJvm direct = run(jdk, "all_proxy", url, "localhost, .example.test",
                    "name", "localhost", "" + bypassed.port());
            assertOk(direct);
            bypassed.assertNoRejected();
            assertEquals(1, bypassed.acceptedSources().size());
            assertEquals(1, server.records().size(), "the bypassed connection went direct");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void httpAllProxyIsNotUsedAndTheJvmSaysSo(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = run(jdk, "ALL_PROXY", "http://bob:hunter2@127.0.0.1:3128", null,
                    "ip", "127.0.0.1", "" + target.port());
            assertNotEquals(0, child.exitCode(), child.describe());
            List<String> lines = child.stderr().lines().filter(l -> l.contains("socksify")).toList();
            assertEquals(1, lines.size(), child.describe());
            assertTrue(lines.get(0).contains("no proxy configured"), child.describe());
            assertTrue(lines.get(0).contains("ALL_PROXY=http://bob:****@127.0.0.1:3128 is not a SOCKS URL"),
                    child.describe());
            assertTrue(!child.stderr().contains("hunter2"), child.describe());
            assertEquals(List.of(), target.acceptedSources(), "fail-closed: nothing reached the target");
        }
    }
}
