package io.socksify.it.agent;

import io.socksify.it.support.BrokenProxy;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.agent.Apps.connect;
import static io.socksify.it.agent.Apps.elapsedMillis;
import static io.socksify.it.support.ChildApps.assertFailed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever goes wrong with the proxy, the connection fails with the exception an application expects, within its
 * timeout, and nothing goes out directly: each target accepts only the proxy's outgoing address and must have seen
 * no connection at all.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailClosedIT {

    private static void assertNothingArrived(TcpEchoTarget target) {
        target.assertNoRejected();
        assertEquals(List.of(), target.acceptedSources());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyDown(Path jdk) {
        int deadPort = FreePort.find();
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + deadPort + ",bypass=none", "ip",
                    target.host(), "" + target.port());
            assertFailed(child, ConnectException.class, "socks5://127.0.0.1:" + deadPort);
            assertTrue(child.stdout().contains(target.host() + ":" + target.port()), child.describe());
            assertNothingArrived(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void handshakeRefusedByRuleset(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                Dante dante = Dante.builder().blockDestinationPort(target.port()).start()) {
            ChildJvm child = connect(jdk, "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    "ip", target.host(), "" + target.port());
            assertFailed(child, ConnectException.class, "" + target.port());
            assertNothingArrived(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void wrongPassword(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                Dante dante = Dante.builder().username("socksifyit", "right-Pw1").start()) {
            ChildJvm child = connect(jdk, "proxy=socks5://socksifyit:wrong-Pw2@" + dante.host() + ":" + dante.port()
                    + ",bypass=none", "ip", target.host(), "" + target.port());
            assertFailed(child, ConnectException.class,
                    "authentication refused by the proxy: wrong username or password (RFC 1929 STATUS");
            assertTrue(!child.stdout().contains("wrong-Pw2") && !child.stderr().contains("wrong-Pw2"),
                    child.describe());
            assertNothingArrived(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyThatNeverAnswersTimesOutWithinTheApplicationsTimeout(Path jdk) throws IOException {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                BrokenProxy blackHole = BrokenProxy.silent()) {
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + blackHole.port() + ",bypass=none", "ip",
                    target.host(), "" + target.port(), "1500");
            assertFailed(child, SocketTimeoutException.class, "");
            long elapsed = elapsedMillis(child);
            assertTrue(elapsed >= 1400 && elapsed < 4000, "elapsed " + elapsed + "\n" + child.describe());
            assertNothingArrived(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void connectTimeoutBoundsConnectionsWithoutTimeout(Path jdk) throws IOException {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                BrokenProxy blackHole = BrokenProxy.silent()) {
            // new Socket(host, port) has no timeout: the agent's connectTimeout bounds proxy connect + handshake.
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + blackHole.port()
                    + ",bypass=none,connectTimeout=1000", "name", target.host(), "" + target.port());
            assertFailed(child, SocketTimeoutException.class, "");
            long elapsed = elapsedMillis(child);
            assertTrue(elapsed >= 900 && elapsed < 4000, "elapsed " + elapsed + "\n" + child.describe());
            assertNothingArrived(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyThatClosesMidHandshake(Path jdk) throws IOException {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                BrokenProxy closer = BrokenProxy.closingMidHandshake()) {
            ChildJvm child = connect(jdk, "proxy=socks5://127.0.0.1:" + closer.port() + ",bypass=none", "ip",
                    target.host(), "" + target.port());
            assertEquals(3, child.exitCode(), child.describe());
            assertTrue(child.stdout().contains("127.0.0.1:" + closer.port()), child.describe());
            assertNothingArrived(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socks4CannotCarryIpv6(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.start(Loopback.address("::1"), null);
                Dante dante = Dante.builder().start()) {
            ChildJvm child = connect(jdk, "proxy=socks4://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    "ip", "::1", "" + target.port());
            assertFailed(child, ConnectException.class, "IPv6");
            assertNothingArrived(target);
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void socks4CannotCarryHostNames(Path jdk) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                Dante dante = Dante.builder().start()) {
            ChildJvm child = connect(jdk, "proxy=socks4://" + dante.host() + ":" + dante.port() + ",bypass=none",
                    "unresolved", "localhost", "" + target.port());
            assertFailed(child, UnknownHostException.class, "SOCKS4");
            assertNothingArrived(target);
        }
    }
}
