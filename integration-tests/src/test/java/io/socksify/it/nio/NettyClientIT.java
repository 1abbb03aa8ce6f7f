package io.socksify.it.nio;

import io.socksify.it.apps.nio.NettyEchoApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.socksify.it.support.ChildApps.assertOk;
import static io.socksify.it.support.ChildApps.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A Netty 4 client bootstrap on the NIO transport goes through the proxy; without the agent the target refuses the
 * direct connection. The agent leaves {@code io.netty.transport.noNative} alone (it switches the native transports
 * off in their classes, see {@code NativeNettyIT}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NettyClientIT {

    private static ChildJvm run(Path jdk, String agentOptions, int port) {
        ChildJvm.Builder b = ChildJvm.builder(NettyEchoApp.class).javaHome(jdk).args("127.0.0.1", "" + port);
        if (agentOptions != null) {
            b.agent(agentOptions);
        }
        return b.run(NioChannels.CHILD_TIMEOUT);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void nettyNioClientEchoesThroughTheProxy(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL)) {
            ChildJvm child = run(jdk, "proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none",
                    target.port());
            assertOk(child);
            assertEquals("null", value(child, "NO_NATIVE"), child.describe());
            assertEquals("/127.0.0.1:" + target.port(), value(child, "REMOTE"), child.describe());
            target.assertNoRejected();
            assertEquals(1, server.awaitRecords(1, Duration.ofSeconds(10)).size());

            ChildJvm direct = run(jdk, null, target.port());
            assertNotEquals(0, direct.exitCode(), "without the agent the target must refuse\n" + direct.describe());
            assertEquals("null", value(direct, "NO_NATIVE"), direct.describe());
            target.awaitRejected(1, Duration.ofSeconds(10));
        }
    }
}
