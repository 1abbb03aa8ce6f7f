package io.socksify.it.nio;

import io.socksify.it.apps.nio.ChannelStateApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connect on a channel that is connected, still connecting or closed gets the JDK's own answer under the agent
 * ({@code AlreadyConnectedException}, {@code ConnectionPendingException}, {@code ClosedChannelException}), and a live
 * connection stays open and working: the lines {@link ChannelStateApp} prints are the same with and without it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ConnectOnConnectedChannelIT {

    private static List<String> cases(ChildJvm child) {
        assertEquals(0, child.exitCode(), child.describe());
        List<String> lines = new ArrayList<>();
        for (String line : child.stdout().split("\n")) {
            if (line.startsWith("CASE ")) {
                lines.add(line);
            }
        }
        assertEquals(10, lines.size(), child.describe());
        return lines;
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void theJdksOwnAnswersAndTheLiveConnectionStaysOpen(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).start();
             TcpEchoTarget target = TcpEchoTarget.acceptingAny()) {
            String[] args = {"127.0.0.1", "" + target.port()};
            ChildJvm plain = ChildJvm.builder(ChannelStateApp.class).javaHome(jdk).args(args)
                    .run(NioChannels.CHILD_TIMEOUT);
            int direct = target.acceptedSources().size();
            ChildJvm routed = ChildJvm.builder(ChannelStateApp.class).javaHome(jdk).args(args)
                    .agent("proxy=socks5://127.0.0.1:" + server.address().getPort() + ",bypass=none")
                    .run(NioChannels.CHILD_TIMEOUT);
            List<String> expected = cases(plain);
            assertTrue(expected.contains("CASE async-connected-handler java.nio.channels.AlreadyConnectedException"
                    + " open=true echo=true"), plain.describe());
            assertEquals(expected, cases(routed), routed.describe());
            assertEquals(direct, target.acceptedSources().size() - server.records().size(),
                    "every connection of the routed run went through the proxy");
        }
    }
}
