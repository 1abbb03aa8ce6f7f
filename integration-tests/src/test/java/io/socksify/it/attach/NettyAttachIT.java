package io.socksify.it.attach;

import io.socksify.it.apps.netty.NativeNettyApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.protocol.server.SocksServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * socksify attached to a Netty application whose native epoll transport was initialised (and in use) before the
 * attach: a static initialiser cannot run again, so epoll stays available, and the retransformed
 * {@code unix.Socket} guard is what holds: every connect after the attach fails naming socksify, and no more
 * direct connections arrive (before the attach they did: the negative control); the MBean counts them as
 * {@code LeaksBlocked}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NettyAttachIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void afterAnAttachNativeConnectsAreRefused(Path jdk) throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL).start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(Loopback.PROXY_EXTERNAL);
                ChildJvm app = ChildJvm.builder(NativeNettyApp.class).javaHome(jdk)
                        .args("loop", "127.0.0.1", "" + target.port()).start()) {
            app.awaitStdout("R2 fail", WAIT);
            assertTrue(app.stdout().contains("EPOLL_AVAILABLE true"), app.describe());
            target.awaitRejected(2, WAIT); // direct, before the attach

            SocksifyCli.run(jdk, "attach", "" + app.pid(), "proxy=socks5://127.0.0.1:" + server.address().getPort(),
                    "bypass=none").assertExitCode(0);
            String out = app.awaitStdout("by Netty's native transport (io.netty.channel.unix.Socket.connect) was"
                    + " refused; nothing was sent", WAIT);
            int refusedRound = round(out, out.indexOf("socksify: a direct connection to 127.0.0.1:" + target.port()));
            int rejected = target.rejectedSources().size();
            app.awaitStdout("R" + (refusedRound + 3) + " fail", WAIT);
            String after = app.stdout();
            for (int r = refusedRound; r <= refusedRound + 3; r++) {
                assertTrue(after.contains("R" + r + " fail java.net.ConnectException: socksify: a direct connection")
                        || after.contains("R" + r + " fail io.netty.channel.AbstractChannel$AnnotatedConnectException:"
                        + " socksify: a direct connection"), "round " + r + "\n" + app.describe());
            }
            assertEquals(rejected, target.rejectedSources().size(), "no direct connection after the attach");
            assertEquals(0, server.records().size());
            ExternalProcess status = SocksifyCli.run(jdk, "status", "" + app.pid());
            status.assertExitCode(0);
            Matcher leaks = Pattern.compile("(?m)^\\s+LeaksBlocked: (\\d+)$").matcher(status.stdout());
            assertTrue(leaks.find() && Integer.parseInt(leaks.group(1)) >= 4, "each refusal counted\n"
                    + status.stdout());
        }
    }

    /** The round number of the {@code R<n> ...} line around {@code index}. */
    private static int round(String out, int index) {
        int start = out.lastIndexOf("\nR", index) + 2;
        return Integer.parseInt(out.substring(start, out.indexOf(' ', start)));
    }
}
