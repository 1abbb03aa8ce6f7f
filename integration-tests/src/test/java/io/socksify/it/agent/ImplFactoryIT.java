package io.socksify.it.agent;

import io.socksify.it.apps.ImplFactoryApp;
import io.socksify.it.support.ChildJvm;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Socket.setSocketImplFactory} and {@code DatagramSocket.setDatagramSocketImplFactory} would give every later
 * socket an implementation socksify does not hook: under the agent both are refused with a {@code SocketException}
 * saying why, the datagram one allowed with {@code udp=direct}; without the agent both are set (negative control).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ImplFactoryIT {
    private static final String PROXY = "proxy=socks5://127.0.0.1:1080";

    private static ChildJvm run(Path jdk, String agentOptions) {
        ChildJvm.Builder b = ChildJvm.builder(ImplFactoryApp.class).javaHome(jdk);
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        ChildJvm child = b.run(Apps.CHILD_TIMEOUT);
        assertEquals(0, child.exitCode(), child.describe());
        return child;
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void factoriesThatWouldBypassRoutingAreRefused(Path jdk) {
        ChildJvm child = run(jdk, PROXY);
        assertTrue(child.stdout().contains("SOCKET refused java.net.SocketException socksify routes this JVM's"
                + " sockets; a SocketImplFactory would bypass it\n"), child.describe());
        assertTrue(child.stdout().contains("DATAGRAM refused java.net.SocketException socksify routes this JVM's"
                + " datagrams"), child.describe());

        ChildJvm udpDirect = run(jdk, PROXY + ",udp=direct");
        assertTrue(udpDirect.stdout().contains("SOCKET refused java.net.SocketException"), udpDirect.describe());
        assertTrue(udpDirect.stdout().contains("DATAGRAM set\n"), udpDirect.describe());

        ChildJvm control = run(jdk, null);
        assertTrue(control.stdout().contains("SOCKET set\nDATAGRAM set\n"), control.describe());
    }
}
