package io.socksify.it.nio;

import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.nio.NioChannels.run;
import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Every NIO path through a real third-party proxy, Dante, with and without its username method: the target serves
 * only Dante's outgoing address 127.0.0.2; without the agent the same application is turned away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NioThroughDanteIT {
    private static final List<String> KINDS = List.of("blocking", "adaptor", "selector", "future", "handler");
    private Dante dante;
    private Dante danteWithPassword;

    @BeforeAll
    void startDante() {
        dante = Dante.builder().start();
        danteWithPassword = Dante.builder().username("socksifynio", "nio-Secret-1").start();
    }

    @AfterAll
    void stopDante() {
        dante.close();
        danteWithPassword.close();
    }

    private static void routesEveryKind(Path jdk, String agentOptions) {
        try (TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            for (String kind : KINDS) {
                String count = kind.equals("selector") ? "20" : "1";
                ChildJvm child = run(jdk, agentOptions, kind, "127.0.0.1", "" + target.port(), count);
                assertOk(child);
                assertEquals("/127.0.0.1:" + target.port(), value(child, "REMOTE"), child.describe());
            }
            target.awaitAccepted(KINDS.size() + 19, Duration.ofSeconds(10));
            target.assertNoRejected();

            ChildJvm direct = run(jdk, null, "blocking", "127.0.0.1", "" + target.port());
            assertNotEquals(0, direct.exitCode(), direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesEveryNioPathThroughDante(Path jdk) {
        routesEveryKind(jdk, "proxy=socks5://" + dante.host() + ":" + dante.port() + ",bypass=none");
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void routesEveryNioPathThroughDanteWithTheUsernameMethod(Path jdk) {
        routesEveryKind(jdk, "proxy=socks5://" + danteWithPassword.username() + ":" + danteWithPassword.password()
                + "@" + danteWithPassword.host() + ":" + danteWithPassword.port() + ",bypass=none");
    }
}
