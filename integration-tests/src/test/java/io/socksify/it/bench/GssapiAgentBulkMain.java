package io.socksify.it.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The agent modes of {@link GssapiBenchmark}, in a child JVM under the agent (GSS-API options on its command line):
 * {@code GssapiAgentBulkMain <host> <port> <bytes> <warm-up bytes> <proxy pid> <target pid>}. The application code is
 * a plain {@code java.net.Socket}: one transfer of the warm-up bytes, then one of {@code bytes}, each as
 * {@link GssapiBenchmark#bulk} sends it (an 8-byte length, the bytes, the sink's 8-byte acknowledgement). Prints
 * {@code MIBS <MiB/s>} of the second and {@code CPU <this JVM ms> <proxy ms or NaN> <target JVM ms>} spent during it:
 * this JVM from its own bean (application thread and, at integrity and confidentiality, the agent's relay thread),
 * the proxy's processes and the target's JVM (the benchmark's, whose sink only counts bytes) from {@code /proc}.
 */
public final class GssapiAgentBulkMain {
    private static final int CHUNK = 256 * 1024;

    private GssapiAgentBulkMain() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress sink = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long bytes = Long.parseLong(args[2]);
        long warmUp = Long.parseLong(args[3]);
        ProcessHandle proxy = ProcessHandle.of(Long.parseLong(args[4])).orElseThrow();
        ProcessHandle target = ProcessHandle.of(Long.parseLong(args[5])).orElseThrow();
        bulk(sink, warmUp);
        long jvm0 = cpuNanos();
        Map<Long, Long> proxy0 = GssapiBenchmark.proxyTicks(proxy);
        Map<Long, Long> target0 = GssapiBenchmark.proxyTicks(target);
        double mibs = bulk(sink, bytes);
        double jvm = (cpuNanos() - jvm0) / 1e6;
        double proxyMillis = GssapiBenchmark.proxyCpuNanos(proxy0, GssapiBenchmark.proxyTicks(proxy)) / 1e6;
        // The target JVM's own threads only (its children, the JVMs like this one, are not reaped in between).
        double targetMillis = (GssapiBenchmark.proxyTicks(target).get(target.pid()) - target0.get(target.pid()))
                * 1e3 / GssapiBenchmark.USER_HZ;
        System.out.printf(java.util.Locale.ROOT, "MIBS %.1f%nCPU %.1f %.1f %.1f%n", mibs, jvm, proxyMillis,
                targetMillis);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double bulk(InetSocketAddress sink, long bytes) throws IOException {
        byte[] chunk = new byte[CHUNK];
        try (Socket s = new Socket()) {
            s.connect(sink, 30_000);
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            out.write(ByteBuffer.allocate(8).putLong(bytes).array());
            for (long sent = 0; sent < bytes; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
            }
            out.flush();
            byte[] ack = s.getInputStream().readNBytes(8);
            long nanos = System.nanoTime() - t0;
            if (ack.length != 8 || ByteBuffer.wrap(ack).getLong() != bytes) {
                throw new IOException("the sink acknowledged " + java.util.Arrays.toString(ack) + " for " + bytes);
            }
            return bytes / 1048576.0 / (nanos / 1e9);
        }
    }
}
