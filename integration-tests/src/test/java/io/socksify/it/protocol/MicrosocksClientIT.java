package io.socksify.it.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.FreePort;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.Microsocks;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.client.SocksClient;
import io.socksify.protocol.client.SocksConnectException;
import io.socksify.protocol.client.SocksConnectException.Reason;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.client.UdpAssociation;
import io.socksify.protocol.wire.SocksVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The socks-protocol client through a real microsocks (SOCKS5 CONNECT only), sending from 127.0.0.2 to targets
 * that serve only 127.0.0.2.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MicrosocksClientIT {
    private static final int TIMEOUT_MILLIS = 10_000;

    @Test
    void connects() throws IOException {
        try (Microsocks proxy = Microsocks.builder().start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(proxy.externalAddress());
                Socket socket = SocksClient.connect(SocksProxy.of(SocksVersion.SOCKS5, proxy.address()),
                        target.address(), TIMEOUT_MILLIS)) {
            Echo.roundTrip(socket, "hello through microsocks");
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress(), proxy.describe());
            target.assertNoRejected();
        }
    }

    @Test
    void connectsToAHostNameTheProxyResolves() throws IOException {
        try (Microsocks proxy = Microsocks.builder().start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(proxy.externalAddress());
                Socket socket = SocksClient.connect(SocksProxy.of(SocksVersion.SOCKS5, proxy.address()),
                        InetSocketAddress.createUnresolved("localhost", target.port()), TIMEOUT_MILLIS)) {
            Echo.roundTrip(socket, "hello by name");
            target.assertNoRejected();
        }
    }

    @Test
    void connectsWithCredentialsAndReportsWrongOrMissingOnes() throws IOException {
        try (Microsocks proxy = Microsocks.builder().credentials("alice", "pw-for-microsocks").start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(proxy.externalAddress())) {
            SocksProxy socks = SocksProxy.of(SocksVersion.SOCKS5, proxy.address());
            try (Socket socket = SocksClient.connect(socks.withCredentials("alice", "pw-for-microsocks"),
                    target.address(), TIMEOUT_MILLIS)) {
                Echo.roundTrip(socket, "hello with a password");
            }
            SocksConnectException wrong = assertThrows(SocksConnectException.class, () -> SocksClient.connect(
                    socks.withCredentials("alice", "not-this-pw"), target.address(), TIMEOUT_MILLIS));
            assertEquals(Reason.AUTHENTICATION_FAILED, wrong.reason(), proxy.describe());
            assertFalse(wrong.getMessage().contains("not-this-pw"), wrong.getMessage());

            SocksConnectException none = assertThrows(SocksConnectException.class,
                    () -> SocksClient.connect(socks, target.address(), TIMEOUT_MILLIS));
            assertEquals(Reason.NO_ACCEPTABLE_METHOD, none.reason(), proxy.describe());
            assertEquals(1, target.acceptedSources().size(), "only the authenticated connection reached the target");
            target.assertNoRejected();
        }
    }

    /** Microsocks has no UDP (REP 7): the application gets a clear error, never a silent direct path. */
    @Test
    void reportsThatItHasNoUdp() {
        try (Microsocks proxy = Microsocks.builder().start()) {
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> UdpAssociation.open(
                    SocksProxy.of(SocksVersion.SOCKS5, proxy.address()), null, TIMEOUT_MILLIS));
            assertEquals(Reason.COMMAND_NOT_SUPPORTED, e.reason(), proxy.describe());
            assertEquals(7, e.replyCode());
            assertTrue(e.getMessage().contains("UDP ASSOCIATE"), e.getMessage());
        }
    }

    /** Microsocks answers REP 1 when it cannot resolve a name; for a host name that is an UnknownHostException. */
    @Test
    void reportsANameItCannotResolve() {
        try (Microsocks proxy = Microsocks.builder().start()) {
            UnknownHostException e = assertThrows(UnknownHostException.class, () -> SocksClient.connect(
                    SocksProxy.of(SocksVersion.SOCKS5, proxy.address()),
                    InetSocketAddress.createUnresolved("no-such-host.invalid", 80), TIMEOUT_MILLIS));
            assertTrue(e.getMessage().contains("no-such-host.invalid:80"), e.getMessage());
        }
    }

    @Test
    void reportsARefusedConnection() {
        try (Microsocks proxy = Microsocks.builder().start()) {
            int closedPort = FreePort.find(Loopback.LOCALHOST);
            SocksConnectException e = assertThrows(SocksConnectException.class, () -> SocksClient.connect(
                    SocksProxy.of(SocksVersion.SOCKS5, proxy.address()),
                    new InetSocketAddress(Loopback.LOCALHOST, closedPort), TIMEOUT_MILLIS));
            assertEquals(Reason.CONNECTION_REFUSED, e.reason(), proxy.describe());
        }
    }
}
