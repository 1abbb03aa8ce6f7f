package io.socksify.it.udp;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.apps.udp.GssapiUdpApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.DanteGssapi;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Kdc;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.UdpEchoTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * UDP through a GSS-API association (RFC 1961 at integrity and confidentiality, Kerberos from a real KDC) with a
 * real Dante that allows only that level, on JDK 17 and 25: an unconnected {@code DatagramSocket}, an unconnected
 * and a connected {@code DatagramChannel} and a non-blocking one on a selector echo byte-exact off a target that accepts only Dante's outgoing 127.0.0.2
 * (so every datagram went through Dante's relay, which accepts and sends only wrapped ones); a payload too big for
 * one token is refused with a {@code SocketException} naming its size, and the largest one named still goes through;
 * socksify's MBean counts the associations as GSS-API ones, and the one datagram that did not come from the relay as
 * dropped.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GssapiUdpIT {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(45);
    private static final int COUNT = 20;
    private Kdc kdc;
    private Dante integrity;
    private Dante confidentiality;

    @BeforeAll
    void start() {
        kdc = Kdc.start();
        integrity = DanteGssapi.builder(kdc, "integrity").start();
        confidentiality = DanteGssapi.builder(kdc, "confidentiality").start();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {integrity, confidentiality, kdc}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    static Stream<Arguments> jdksAndLevels() {
        List<Arguments> all = new ArrayList<>();
        for (Path jdk : List.of(Jdks.jdk17(), Jdks.jdk25())) {
            for (String level : List.of("integrity", "confidentiality")) {
                all.add(Arguments.of(jdk, level));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("jdksAndLevels")
    void datagramSocketAndChannelsThroughTheProtectedRelay(Path jdk, String level) {
        Dante dante = level.equals("integrity") ? integrity : confidentiality;
        String agent = "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none,gssapi.keytab="
                + kdc.userKeytab() + ",gssapi.principal=" + kdc.userPrincipal() + ",gssapi.level=" + level;
        try (UdpEchoTarget echo = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = ChildJvm.builder(GssapiUdpApp.class).javaHome(jdk)
                    .jvmArgs("-Djava.security.krb5.conf=" + kdc.krb5Conf()).agent(agent)
                    .args(echo.address().getAddress().getHostAddress(), "" + echo.address().getPort(), "" + COUNT)
                    .run(CHILD_TIMEOUT);
            assertOk(child);
            assertEquals("" + 4 * COUNT, value(child, "ECHOED"), child.describe());
            echo.assertNoRejected();

            for (String api : List.of("socket", "channel", "channel-connected")) {
                String refusal = value(child, "TOOBIG " + api);
                assertTrue(refusal.contains("a UDP payload of 65497 bytes")
                        && refusal.contains("in one GSS-API " + level + " token")
                        && refusal.contains("nothing was sent"), child.describe());
            }
            int largest = Integer.parseInt(value(child, "LARGEST"));
            assertTrue(largest > 65_000 && largest < 65_497, child.describe());

            assertEquals("5", value(child, "METRIC UdpAssociations"), child.describe());
            assertEquals("5", value(child, "METRIC auth gssapi"), child.describe());
            assertEquals("0", value(child, "METRIC auth none"), child.describe());
            assertEquals("0", value(child, "METRIC auth username/password"), child.describe());
            // The stranger's datagram, from Dante's 127.0.0.2 rather than its relay.
            assertEquals("1", value(child, "METRIC UdpDatagramsDropped"), child.describe());
            String configuration = value(child, "METRIC Configuration");
            assertTrue(configuration.contains("gssapi=" + kdc.userPrincipal()), child.describe());
            assertFalse(child.stdout().contains(Kdc.USER_PASSWORD), child.describe());
        }
        assertTrue(dante.log().contains(Kdc.USER), "Dante logs the authenticated principal\n" + dante.log());
    }
}
