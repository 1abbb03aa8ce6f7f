package io.socksify.agent.bootstrap;

import io.socksify.agent.bootstrap.udp.UdpGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the last-line guard counts as decided; the refusal itself is {@code LastLineGuardIT}'s. */
class ConnectGuardTest {
    private static final InetAddress TARGET = address("10.1.2.3");
    private final List<String> refused = new ArrayList<>();
    private final IOException refusal = new ConnectException("refused");

    @BeforeEach
    void arm() {
        ConnectGuard.install((address, port, datagram) -> {
            refused.add((datagram ? "udp " : "tcp ") + address.getHostAddress() + ":" + port);
            return refusal;
        });
        ConnectGuard.permit(null);
    }

    @AfterEach
    void disarm() {
        ConnectGuard.install(null);
        ConnectGuard.permit(null);
        Dispatcher.routing(true);
    }

    @Test
    void undecidedConnectsAndDatagramsAreRefused() {
        assertSame(refusal, assertThrows(IOException.class, () -> ConnectGuard.connect(TARGET, 80)));
        assertSame(refusal, assertThrows(IOException.class,
                () -> ConnectGuard.send(new InetSocketAddress(TARGET, 53))));
        assertEquals(List.of("tcp 10.1.2.3:80", "udp 10.1.2.3:53"), refused);
    }

    @Test
    void aPermitLetsOneConnectToItsDestinationThrough() {
        ConnectGuard.permit(new InetSocketAddress(TARGET, 81));
        assertThrows(IOException.class, () -> ConnectGuard.connect(TARGET, 80)); // another port
        assertThrows(IOException.class, () -> ConnectGuard.connect(address("10.1.2.4"), 81)); // another address
        assertDoesNotThrow(() -> ConnectGuard.connect(TARGET, 81));
        assertThrows(IOException.class, () -> ConnectGuard.connect(TARGET, 81)); // used up
    }

    @Test
    void aPermitStaysForDatagramsUntilTheNextDecision() {
        InetSocketAddress destination = new InetSocketAddress(TARGET, 53);
        ConnectGuard.permit(destination);
        assertDoesNotThrow(() -> ConnectGuard.send(destination));
        assertDoesNotThrow(() -> ConnectGuard.send(new InetSocketAddress(TARGET, 53))); // the JDK's retry
        ConnectGuard.permit(new InetSocketAddress(TARGET, 54));
        assertThrows(IOException.class, () -> ConnectGuard.send(destination));
    }

    @Test
    void aWildcardPermitMatchesTheLocalHostTheJdkConnectsTo() {
        ConnectGuard.permit(new InetSocketAddress(address("0.0.0.0"), 8080));
        assertDoesNotThrow(() -> ConnectGuard.connect(address("127.0.1.1"), 8080));
    }

    @Test
    void aPermitBelongsToItsThread() throws InterruptedException {
        ConnectGuard.permit(new InetSocketAddress(TARGET, 80));
        Throwable[] other = new Throwable[1];
        Thread t = new Thread(() -> other[0] = assertThrows(IOException.class, () -> ConnectGuard.connect(TARGET, 80)));
        t.start();
        t.join();
        assertSame(refusal, other[0]);
    }

    @Test
    void socksifysOwnScopesAndRoutingOffAreDecided() throws Exception {
        UdpGuard guard = UdpGuard.enter();
        try {
            assertDoesNotThrow(() -> ConnectGuard.send(new InetSocketAddress(TARGET, 53)));
        } finally {
            guard.exit();
        }
        Thread server = new ServerThreads().newThread(() -> assertDoesNotThrow(() -> ConnectGuard.connect(TARGET, 80)));
        server.start();
        server.join();
        Dispatcher.routing(false);
        assertDoesNotThrow(() -> ConnectGuard.connect(TARGET, 80));
        assertEquals(List.of(), refused);
    }

    @Test
    void disarmedNothingIsRefused() {
        ConnectGuard.install(null);
        assertDoesNotThrow(() -> ConnectGuard.connect(TARGET, 80));
        assertDoesNotThrow(() -> ConnectGuard.send(new InetSocketAddress(TARGET, 53)));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
