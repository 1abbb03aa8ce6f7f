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
 * a plain {@code java.net.Socket}: two transfers of the warm-up bytes, then one of {@code bytes}, each as
 * {@link GssapiBenchmark#bulk} sends it (twice) (an 8-byte length, the bytes, the sink's 8-byte acknowledgement). Prints
 * {@code MIBS <MiB/s>} of the second and {@code CPU <this JVM ms> <proxy ms or NaN> <target JVM ms>} spent during it:
 * this JVM from its own bean (application thread and, at integrity and confidentiality, the agent's relay thread),
 * the proxy's processes and the target's JVM (the benchmark's, whose sink only counts bytes) from {@code /proc};
 * then {@code THREADS} (this JVM's CPU ms by thread name, during it; a relay thread that ended is missing) and
 * {@code JIT <ms>}, the JIT compiler threads' share of this JVM's CPU, which a fresh JVM still spends.
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
        // Two warm-up transfers: after one of 64 MiB the JIT still compiles for seconds in a fresh JVM.
        bulk(sink, warmUp);
        bulk(sink, warmUp);
        long jvm0 = cpuNanos();
        Map<Long, Long> proxy0 = GssapiBenchmark.proxyTicks(proxy);
        Map<Long, Long> target0 = GssapiBenchmark.proxyTicks(target);
        Map<String, Long> threads0 = threadTicks();
        double mibs = bulk(sink, bytes);
        double jvm = (cpuNanos() - jvm0) / 1e6;
        Map<String, Long> threads1 = threadTicks();
        double proxyMillis = GssapiBenchmark.proxyCpuNanos(proxy0, GssapiBenchmark.proxyTicks(proxy)) / 1e6;
        // The target JVM's own threads only (its children, the JVMs like this one, are not reaped in between).
        double targetMillis = (GssapiBenchmark.proxyTicks(target).get(target.pid()) - target0.get(target.pid()))
                * 1e3 / GssapiBenchmark.USER_HZ;
        System.out.printf(java.util.Locale.ROOT, "MIBS %.1f%nCPU %.1f %.1f %.1f%n", mibs, jvm, proxyMillis,
                targetMillis);
        StringBuilder t = new StringBuilder("THREADS ms");
        long[] jit = {0};
        threads1.forEach((name, ticks) -> {
            long d = ticks - threads0.getOrDefault(name, 0L);
            if (d > 0) {
                t.append(' ').append(name.replace(' ', '_')).append('=').append(d * 1000 / GssapiBenchmark.USER_HZ);
            }
            if (name.contains("CompilerThre")) {
                jit[0] += d * 1000 / GssapiBenchmark.USER_HZ;
            }
        });
        System.out.println(t);
        System.out.println("JIT " + jit[0]);
    }

    /**
     * CPU clock ticks of this JVM's threads by name ({@code /proc/self/task/<tid>/stat}), the JVM's own (compiler,
     * GC) included; threads of one name summed.
     */
    static Map<String, Long> threadTicks() throws IOException {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(
                java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path task : tasks.toList()) {
                String stat;
                try {
                    stat = java.nio.file.Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // ended
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+$", "");
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
            }
        }
        return ticks;
    }

    /** @return the CPU ms of this JVM's JIT compiler threads in {@link #threadTicks} */
    static long jitMillis(Map<String, Long> ticks) {
        return ticks.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre"))
                .mapToLong(Map.Entry::getValue).sum() * 1000 / GssapiBenchmark.USER_HZ;
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
