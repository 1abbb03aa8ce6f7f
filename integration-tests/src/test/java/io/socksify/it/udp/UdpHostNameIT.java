package io.socksify.it.udp;

import io.socksify.it.apps.udp.UdpProbeApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.UdpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * With {@code dns=remote} a datagram to a host name travels to the relay with the name in its header (ATYP 3): the
 * application's JVM cannot resolve {@link Hostnames#PROXY_ONLY} at all, the proxy can; the reply reports the
 * target's address as its sender.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpHostNameIT {

    @BeforeAll
    static void nameOnlyTheProxyResolves() {
        Hostnames.assertProxyOnlyNameConfigured();
    }

    private static ChildJvm probe(Path jdk, InetSocketAddress proxy, UdpEchoTarget target) {
        return ChildJvm.builder(UdpProbeApp.class).javaHome(jdk).jvmArgs(Hostnames.noLookupJvmArg())
                .agent("proxy=socks5h://127.0.0.1:" + proxy.getPort() + ",bypass=none")
                .args("name-once", Hostnames.PROXY_ONLY, Integer.toString(target.port())).run(Udp.CHILD_TIMEOUT);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void sendsHostNamesToTheEmbeddedServersRelay(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = probe(jdk, server.address(), target);
            assertOk(child);
            assertEquals("/127.0.0.1:" + target.port(), value(child, "SENDER"), child.describe());
            target.assertNoRejected();
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void sendsHostNamesToDantesRelay(Path jdk) throws Exception {
        try (Dante dante = Dante.builder().start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(dante.externalAddress())) {
            ChildJvm child = probe(jdk, dante.address(), target);
            assertOk(child);
            assertEquals("/127.0.0.1:" + target.port(), value(child, "SENDER"), child.describe() + dante.describe());
            target.assertNoRejected();
        }
    }
}
