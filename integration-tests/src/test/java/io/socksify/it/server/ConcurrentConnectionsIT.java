package io.socksify.it.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.it.bench.LoadClientMain;
import io.socksify.it.support.ChildJvm;
import io.socksify.protocol.server.SocksServer;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 concurrent relayed connections through the embedded server (default settings: two selector threads on
 * this machine, 16 KiB buffers), with memory bounded by the buffers.
 *
 * <p>The server runs in this JVM; the clients and their echo target in a child JVM. A relayed connection costs the
 * server two sockets, so 10,000 need 20,000 descriptors plus the JVM's own: with a hard {@code ulimit -n} of
 * 20,000 (this sandbox, which cannot raise it) the test runs as many as fit, never fewer than 9,800, and says so.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ConcurrentConnectionsIT {
    private static final int TARGET = 10_000;
    private static final int BUFFER = 16 * 1024;

    @Test
    void relaysTenThousandConnectionsAtOnceWithBoundedMemory() throws Exception {
        long limit = openFileLimit();
        long open = openFiles();
        int n = (int) Math.min(TARGET, (limit - open - 64) / 2);
        System.out.println("ConcurrentConnectionsIT: ulimit -n " + limit + ", " + open + " open: " + n
                + " concurrent relayed connections");
        assertTrue(n >= 9_800, "open file limit " + limit + " allows only " + n + " relayed connections; raise "
                + "ulimit -n to at least 20,200 for 10,000");
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long directBefore = direct.getMemoryUsed();
        try (SocksServer server = SocksServer.builder().port(0).maxConnections(TARGET + 100).recordLimit(0)
                .bufferSize(BUFFER).start();
             ChildJvm clients = ChildJvm.builder(LoadClientMain.class)
                     .jvmArgs("-Xmx512m")
                     .args("127.0.0.1", Integer.toString(server.address().getPort()), Integer.toString(n), "4000")
                     .start()) {
            String out = clients.awaitStdout("ECHOED", Duration.ofSeconds(150));
            Matcher m = Pattern.compile("ESTABLISHED (\\d+) failed=(\\d+) in (\\d+) ms").matcher(out);
            assertTrue(m.find(), clients.describe());
            int active = server.activeSessions();
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long directUsed = direct.getMemoryUsed() - directBefore;
            System.out.printf("ConcurrentConnectionsIT: %s; server sessions open %d; direct buffers %.1f MiB "
                    + "(%.1f KiB per session); heap used after GC %.1f MiB%n", m.group(0), active,
                    directUsed / 1048576.0, directUsed / 1024.0 / Math.max(1, active), heap / 1048576.0);
            assertEquals(n, Integer.parseInt(m.group(1)), clients.describe());
            assertEquals(n, active, "every connection relayed at once");
            assertTrue(directUsed <= (long) n * 2 * BUFFER + 64L * 1024 * 1024,
                    "direct memory " + directUsed + " beyond two buffers per session");
            clients.awaitExit(Duration.ofSeconds(120)).assertExitCode(0);
            assertTrue(clients.stdout().contains("ECHOED " + n), clients.describe());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (server.activeSessions() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(0, server.activeSessions(), "every session ended after the clients closed");
        }
    }

    private static long openFileLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no 'Max open files' in /proc/self/limits");
    }

    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
