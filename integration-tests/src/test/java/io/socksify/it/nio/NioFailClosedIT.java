package io.socksify.it.nio;

import io.socksify.it.support.BrokenProxy;
import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.FreePort;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.nio.NioChannels.run;
import static io.socksify.it.support.ChildApps.assertFailed;
import static io.socksify.it.support.ChildApps.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every NIO path fails closed: with a dead proxy, a proxy that refuses, a wrong password, a proxy that never
 * answers (the connect times out after {@code connectTimeout}; for a selector, {@code finishConnect()} throws) and a
 * proxy that closes mid-handshake, the application gets the connection's failure, and the target, which is up and
 * would serve anyone, sees no connection at all.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NioFailClosedIT {
    private static final List<String> KINDS = List.of("blocking", "selector", "future", "handler");

    /** Runs every kind against the proxy; each must fail with {@code type} and the target must see nothing. */
    private static void failsClosed(Path jdk, String agentOptions, Class<?> type, String messagePart)
            throws Exception {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            for (String kind : KINDS) {
                ChildJvm child = run(jdk, agentOptions, kind, "127.0.0.1", "" + target.port());
                assertFailed(child, type, messagePart);
                assertTrue(child.stdout().contains("127.0.0.1:" + target.port()),
                        "the message names the destination\n" + child.describe());
            }
            Thread.sleep(200);
            assertEquals(List.of(), target.acceptedSources(), "no connection may reach the target");
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void deadProxy(Path jdk) throws Exception {
        int port = FreePort.find();
        failsClosed(jdk, "proxy=socks5://127.0.0.1:" + port + ",bypass=none", ConnectException.class,
                "cannot connect to proxy");
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyRefusesTheDestination(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).allowDestinations("10.255.255.1").start()) {
            failsClosed(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    ConnectException.class, "SOCKS5 REP");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void wrongPassword(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).user("alice", "secret").start()) {
            failsClosed(jdk, "proxy=socks5://alice:wrong@127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    ConnectException.class, "127.0.0.1:" + server.address().getPort());
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyThatNeverAnswersTimesOut(Path jdk) throws Exception {
        try (BrokenProxy proxy = BrokenProxy.silent(); TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            for (String kind : KINDS) {
                ChildJvm child = run(jdk, "proxy=socks5://127.0.0.1:" + proxy.port() + ",bypass=none,"
                        + "connectTimeout=1000", kind, "127.0.0.1", "" + target.port());
                assertFailed(child, SocketTimeoutException.class, "127.0.0.1:" + target.port());
                long elapsed = number(child, "ELAPSED");
                assertTrue(elapsed >= 900 && elapsed < 5_000, kind + " failed after " + elapsed + " ms, expected"
                        + " about the 1000 ms connectTimeout\n" + child.describe());
            }
            assertEquals(List.of(), target.acceptedSources(), "no connection may reach the target");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyThatClosesMidHandshake(Path jdk) throws Exception {
        try (BrokenProxy proxy = BrokenProxy.closingMidHandshake()) {
            failsClosed(jdk, "proxy=socks5://127.0.0.1:" + proxy.port() + ",bypass=none", IOException.class,
                    "closed the connection");
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void proxyFailureIsNotADirectConnectionEvenWithoutTheAgentsTarget(Path jdk) throws Exception {
        // The negative control for the cases above: without the agent, the same application reaches the target.
        try (TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            ChildJvm child = run(jdk, null, "selector", "127.0.0.1", "" + target.port());
            ChildApps.assertOk(child);
            assertEquals(1, target.acceptedSources().size());
            assertEquals(new InetSocketAddress(Loopback.LOCALHOST, 0).getAddress(),
                    target.acceptedSources().get(0).getAddress());
        }
    }
}
