package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.support.Dante;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.SocksClients;
import io.socksify.it.support.UdpEchoTarget;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Proves UDP ASSOCIATE through {@link Dante} with PySocks, and {@link UdpEchoTarget}'s source check. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpThroughDanteIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void datagramsAreRelayedFromDantesExternalAddress() {
        try (Dante dante = Dante.builder().start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(dante.externalAddress())) {
            ExternalProcess python = SocksClients.pySocksUdp(dante.address(), null, null, target.address(),
                    "ping-through-dante", TIMEOUT);

            assertEquals(0, python.exitCode(), python.describe() + "\n" + dante.describe());
            assertEquals("REPLY ping-through-dante FROM " + target.host() + " " + target.port(),
                    python.stdout().strip());
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
            assertTrue(dante.log().contains("udp/udpassociate"), dante.describe());
        }
    }

    @Test
    void datagramsAreRelayedWithTheUsernameMethod() {
        try (Dante dante = Dante.builder().username("socksit", "pw-for-dante-1").start();
                UdpEchoTarget target = UdpEchoTarget.acceptingOnly(dante.externalAddress())) {
            ExternalProcess python = SocksClients.pySocksUdp(dante.address(), "socksit", "pw-for-dante-1",
                    target.address(), "ping-with-auth", TIMEOUT);

            assertEquals(0, python.exitCode(), python.describe() + "\n" + dante.describe());
            assertTrue(python.stdout().startsWith("REPLY ping-with-auth"), python.describe());
            target.assertNoRejected();
        }
    }

    @Test
    void directDatagramIsDroppedAndRecorded() {
        try (UdpEchoTarget target = UdpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ExternalProcess python = SocksClients.pythonUdpDirect(target.address(), "direct", Duration.ofSeconds(2));

            assertEquals(3, python.exitCode(), python.describe());
            assertEquals("NO REPLY", python.stdout().strip());
            assertEquals(List.of(), target.acceptedSources());
            assertEquals(Loopback.LOCALHOST, target.rejectedSources().get(0).getAddress());
        }
    }
}
