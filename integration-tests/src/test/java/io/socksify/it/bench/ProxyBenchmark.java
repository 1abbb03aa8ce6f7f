package io.socksify.it.bench;

import io.socksify.it.support.Dante;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.Microsocks;
import io.socksify.protocol.server.SocksServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures, side by side in one run, the embedded server ({@link SocksServer}, default settings: {@code embedded}
 * in this JVM, {@code embedded-jvm} in a JVM of its own, {@link EmbeddedServerMain}), Dante ({@code danted}) and
 * microsocks, all on loopback, each sending from 127.0.0.2 ({@code --baseline-classes DIR}: also the server of
 * another build, DIR first on the class path of its own JVM):
 * <ul>
 *   <li>bulk: one connection sends {@code --mb} MiB one way to a sink, timed to the sink's acknowledgement;</li>
 *   <li>duplex: one connection sends {@code --mb} MiB to an echo target while reading it back, counted both ways;
 *       a proxy that stalls for 30 s is reported as such;</li>
 *   <li>connections/s: {@code --threads} threads open {@code --connections} sessions in all (greeting, request,
 *       one byte there and back, close), and beside it the CPU time (user and system, all its threads and
 *       processes, from {@code /proc} on Linux) each proxy that runs as a process of its own spent per session: a
 *       figure the sharing of the cores with the client moves less than the rate.</li>
 * </ul>
 * Each figure is the best of {@code --rounds}; rounds interleave the proxies; one warm-up round first (for the
 * connection rate {@code --warmup} sessions per proxy, default 500 or {@code --connections} if fewer: a JVM proxy, and
 * the benchmark's own client, compile their session paths only after several thousand). Run:
 * <pre>
 * mvn -q -pl integration-tests test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.socksify.it.bench.ProxyBenchmark [-Dexec.args="--mb 1024 --rounds 3"]
 * </pre>
 */
public final class ProxyBenchmark {
    private static final byte[] GREETING = {5, 1, 0};
    static final String IN_PROCESS = "socksify embedded";
    static final String OWN_JVM = "socksify own JVM";
    static final String BASELINE = "baseline own JVM";
    private static final long STALL_MILLIS = 30_000;
    /**
     * TCP sockets in TIME_WAIT (all of /proc/net/tcp and tcp6; here nearly all loopback) below which a
     * connection-rate run starts (Linux; elsewhere it starts at once).
     */
    private static final int TIME_WAIT_PACE = 4000;
    /** TIME_WAIT lasts 60 s on Linux: no run waits longer than that. */
    private static final long TIME_WAIT_MAX_WAIT_MILLIS = 65_000;

    private ProxyBenchmark() {
    }

    /** @param cpuMicros the proxy's CPU time per session in the connection-rate run, lowest round; NaN if unknown */
    record Result(double bulkMiBs, double duplexMiBs, double connectionsPerSecond, double cpuMicros, String note) {
    }

    public static void main(String[] args) throws Exception {
        int mb = 1024;
        int rounds = 3;
        int connections = 4000;
        int threads = 4;
        int warmup = -1; // default: 500, at most --connections
        int buffer = 0;
        int selectorThreads = 0;
        String baselineClasses = null;
        List<String> proxies = List.of("embedded-jvm", "dante", "microsocks");
        List<String> tests = List.of("bulk", "duplex", "connections");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mb" -> mb = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--buffer" -> buffer = Integer.parseInt(args[++i]);
                case "--selector-threads" -> selectorThreads = Integer.parseInt(args[++i]);
                case "--baseline-classes" -> baselineClasses = args[++i];
                case "--proxies" -> proxies = List.of(args[++i].split(","));
                case "--tests" -> tests = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected: --mb N, --rounds N, --connections N, --threads N, --warmup N, --buffer BYTES,"
                        + " --selector-threads N, --proxies embedded,embedded-jvm,dante,microsocks,"
                        + " --tests bulk,duplex,connections, --baseline-classes DIR)");
            }
        }
        if (warmup < 0) {
            warmup = Math.min(500, connections);
        }
        System.out.printf("ProxyBenchmark: %d cores, %s %s; bulk/duplex %d MiB, best of %d; %d connections on %d "
                        + "threads after %d to warm up; the embedded server's buffer %s, selector threads %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), mb, rounds, connections, threads, warmup,
                buffer > 0 ? buffer : "default", selectorThreads > 0 ? selectorThreads : "one per core");
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        Map<String, Result> results = new LinkedHashMap<>();
        SocksServer.Builder embedded = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .recordLimit(0);
        if (buffer > 0) {
            embedded.bufferSize(buffer);
        }
        if (selectorThreads > 0) {
            embedded.selectorThreads(selectorThreads);
        }
        try (NioTarget sink = new NioTarget(NioTarget.Mode.SINK, 64 * 1024);
             NioTarget echo = new NioTarget(NioTarget.Mode.ECHO, 64 * 1024);
             SocksServer server = proxies.contains("embedded") ? embedded.start() : null;
             ServerJvm serverJvm = proxies.contains("embedded-jvm")
                     ? new ServerJvm(buffer, selectorThreads, null) : null;
             ServerJvm baselineJvm = baselineClasses != null
                     ? new ServerJvm(buffer, selectorThreads, baselineClasses) : null;
             Dante dante = proxies.contains("dante") ? Dante.builder().start() : null;
             Microsocks microsocks = proxies.contains("microsocks") ? Microsocks.builder().start() : null) {
            Map<String, ProcessHandle> processes = new LinkedHashMap<>(); // the proxies with a process of their own
            if (server != null) {
                addresses.put(IN_PROCESS, server.address());
            }
            if (serverJvm != null) {
                addresses.put(OWN_JVM, serverJvm.address);
                processes.put(OWN_JVM, serverJvm.process.toHandle());
            }
            if (baselineJvm != null) {
                addresses.put(BASELINE, baselineJvm.address);
                processes.put(BASELINE, baselineJvm.process.toHandle());
            }
            if (dante != null) {
                addresses.put("Dante 1.4.2", dante.address());
                processes.put("Dante 1.4.2", dante.processHandle());
            }
            if (microsocks != null) {
                addresses.put("microsocks", microsocks.address());
                processes.put("microsocks", microsocks.processHandle());
            }
            // Rounds interleave the proxies, so that whatever else runs on the machine meanwhile weighs on each.
            long bytes = (long) mb * 1024 * 1024;
            boolean runBulk = tests.contains("bulk");
            boolean runDuplex = tests.contains("duplex");
            boolean runConnections = tests.contains("connections");
            for (Map.Entry<String, InetSocketAddress> e : addresses.entrySet()) {
                if (runBulk || runDuplex) {
                    bulk(e.getValue(), sink.address(), Math.min(bytes, 256L << 20));
                }
                if (runConnections) {
                    awaitTimeWaitBelow(TIME_WAIT_PACE);
                    connectionsPerSecond(e.getValue(), echo.address(), warmup, threads);
                }
                results.put(e.getKey(), new Result(0, 0, 0, Double.NaN, ""));
            }
            for (int round = 1; round <= rounds; round++) {
                for (Map.Entry<String, InetSocketAddress> e : addresses.entrySet()) {
                    Result r = results.get(e.getKey());
                    double bulk = runBulk ? bulk(e.getValue(), sink.address(), bytes) : 0;
                    double duplex = !runDuplex ? 0 : Double.isNaN(r.duplexMiBs()) ? -1
                            : duplex(e.getValue(), echo.address(), bytes);
                    double cps = 0;
                    CpuTime cpu = null;
                    if (runConnections) {
                        // Every proxy starts its run below the same number of TIME_WAIT sockets: binding the outgoing
                        // address to port 0 gets slower the more of them hold ports.
                        awaitTimeWaitBelow(TIME_WAIT_PACE);
                        ProcessHandle process = processes.get(e.getKey());
                        CpuTime before = CpuTime.of(process);
                        cps = connectionsPerSecond(e.getValue(), echo.address(), connections, threads);
                        CpuTime after = CpuTime.of(process);
                        cpu = before == null || after == null ? null : after.minus(before);
                    }
                    double cpuMicros = cpu == null ? Double.NaN : cpu.totalMicros() / (double) connections;
                    System.out.printf(Locale.ROOT, "  round %d %-18s bulk %5.0f MiB/s, duplex %s, %5.0f "
                            + "connections/s%s%n", round, e.getKey(), bulk, duplex < 0 ? "stalled" : String.format(
                            Locale.ROOT, "%5.0f MiB/s", duplex), cps, cpu == null ? "" : String.format(Locale.ROOT,
                            ", CPU %.0f us/session (user %.0f + system %.0f)", cpuMicros,
                            cpu.userMicros() / (double) connections, cpu.systemMicros() / (double) connections));
                    results.put(e.getKey(), new Result(Math.max(r.bulkMiBs(), bulk), duplex < 0 ? Double.NaN
                            : Math.max(r.duplexMiBs(), duplex), Math.max(r.connectionsPerSecond(), cps),
                            Double.isNaN(r.cpuMicros()) ? cpuMicros : Math.min(r.cpuMicros(), cpuMicros),
                            duplex < 0 ? "duplex stalled (no progress for " + STALL_MILLIS / 1000 + " s)" : ""));
                }
            }
        }
        print(results);
        System.exit(0);
    }

    private static Socket open(InetSocketAddress proxy, InetSocketAddress target) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(proxy, 5000);
        s.setSoTimeout((int) STALL_MILLIS);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(GREETING);
        byte[] method = in.readNBytes(2);
        if (method.length != 2 || method[1] != 0) {
            throw new IOException("method selection " + Arrays.toString(method));
        }
        byte[] request = ByteBuffer.allocate(10).put(new byte[] {5, 1, 0, 1})
                .put(target.getAddress().getAddress()).putShort((short) target.getPort()).array();
        out.write(request);
        byte[] reply = in.readNBytes(10);
        if (reply.length != 10 || reply[1] != 0) {
            throw new IOException("CONNECT reply " + Arrays.toString(reply));
        }
        return s;
    }

    /**
     * Waits (at most {@link #TIME_WAIT_MAX_WAIT_MILLIS}) until fewer than {@code limit} TCP sockets are in TIME_WAIT,
     * counted in {@code /proc/net/tcp} and {@code tcp6}; returns at once where those do not exist.
     */
    static void awaitTimeWaitBelow(int limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIME_WAIT_MAX_WAIT_MILLIS * 1_000_000;
        int count;
        while ((count = timeWaitSockets()) >= limit && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        if (count >= limit) {
            System.out.println("  still " + count + " sockets in TIME_WAIT; measuring anyway");
        }
    }

    private static int timeWaitSockets() throws IOException {
        int count = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            java.nio.file.Path p = java.nio.file.Path.of(table);
            if (!java.nio.file.Files.isReadable(p)) {
                continue;
            }
            try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(p)) {
                // Columns: sl local_address rem_address st ...; st 06 is TIME_WAIT.
                count += (int) lines.skip(1).map(String::trim).map(l -> l.split("\\s+"))
                        .filter(f -> f.length > 3 && f[3].equals("06")).count();
            }
        }
        return count;
    }

    /** @return MiB/s from the first byte written to the sink's acknowledgement of the last */
    static double bulk(InetSocketAddress proxy, InetSocketAddress sink, long bytes) throws IOException {
        byte[] chunk = new byte[256 * 1024];
        try (Socket s = open(proxy, sink)) {
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(8).putLong(bytes).array());
            for (long sent = 0; sent < bytes; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
            }
            byte[] ack = s.getInputStream().readNBytes(8);
            long seconds = System.nanoTime() - t0;
            if (ack.length != 8 || ByteBuffer.wrap(ack).getLong() != bytes) {
                throw new IOException("sink acknowledged " + Arrays.toString(ack) + " for " + bytes + " bytes");
            }
            return bytes / 1048576.0 / (seconds / 1e9);
        }
    }

    /** @return MiB/s counted both ways, or -1 if the transfer stalled */
    static double duplex(InetSocketAddress proxy, InetSocketAddress echo, long bytes) throws Exception {
        byte[] chunk = new byte[256 * 1024];
        try (Socket s = open(proxy, echo)) {
            AtomicBoolean writeFailed = new AtomicBoolean();
            long t0 = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (long sent = 0; sent < bytes; sent += chunk.length) {
                        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    writeFailed.set(true);
                }
            }, "duplex-writer");
            writer.start();
            byte[] buf = new byte[256 * 1024];
            long received = 0;
            InputStream in = s.getInputStream();
            try {
                int n;
                while (received < bytes && (n = in.read(buf)) > 0) {
                    received += n;
                }
            } catch (java.net.SocketTimeoutException e) {
                s.close();
                writer.join();
                return -1;
            }
            writer.join();
            long nanos = System.nanoTime() - t0;
            if (received != bytes || writeFailed.get()) {
                throw new IOException("duplex: received " + received + " of " + bytes);
            }
            return 2 * bytes / 1048576.0 / (nanos / 1e9);
        }
    }

    static double connectionsPerSecond(InetSocketAddress proxy, InetSocketAddress echo, int total, int threads)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (next.getAndIncrement() < total) {
                    try (Socket s = open(proxy, echo)) {
                        s.getOutputStream().write(7);
                        if (s.getInputStream().read() != 7) {
                            failures.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failures.incrementAndGet();
                    }
                }
            }, "connect-worker-" + i);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (failures.get() > 0) {
            System.out.println("  " + proxy + ": " + failures.get() + " of " + total + " connections failed");
        }
        return (total - failures.get()) / seconds;
    }

    static void print(Map<String, Result> results) {
        System.out.println();
        System.out.printf(Locale.ROOT, "| %-18s | %12s | %14s | %14s | %16s |%n", "proxy", "bulk MiB/s",
                "duplex MiB/s", "connections/s", "CPU us/session");
        System.out.println("|--------------------|-------------:|---------------:|---------------:|"
                + "-----------------:|");
        for (Map.Entry<String, Result> e : results.entrySet()) {
            Result r = e.getValue();
            System.out.printf(Locale.ROOT, "| %-18s | %12.0f | %14s | %14.0f | %16s |%s%n", e.getKey(),
                    r.bulkMiBs(), figure("%.0f", r.duplexMiBs(), "stalled"), r.connectionsPerSecond(),
                    figure("%.0f", r.cpuMicros(), "n/a"), r.note().isEmpty() ? "" : " " + r.note());
        }
        for (String mine : List.of(IN_PROCESS, OWN_JVM, BASELINE)) {
            Result self = results.get(mine);
            if (self == null) {
                continue;
            }
            for (String other : List.of("Dante 1.4.2", "microsocks")) {
                Result o = results.get(other);
                if (o == null) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "%s / %-11s bulk %.2fx, duplex %s, connections/s %.2fx, CPU per "
                                + "session %s%n",
                        mine.equals(IN_PROCESS) ? "embedded" : mine.equals(OWN_JVM) ? "own JVM" : "baseline", other + ":", self.bulkMiBs() / o.bulkMiBs(),
                        Double.isNaN(o.duplexMiBs()) ? "n/a (" + other + " stalled)"
                                : String.format(Locale.ROOT, "%.2fx", self.duplexMiBs() / o.duplexMiBs()),
                        self.connectionsPerSecond() / o.connectionsPerSecond(),
                        figure("%.2fx", self.cpuMicros() / o.cpuMicros(), "n/a"));
            }
        }
    }

    /** @return {@code value} formatted, or {@code ifUnknown} if it is NaN */
    private static String figure(String format, double value, String ifUnknown) {
        return Double.isNaN(value) ? ifUnknown : String.format(Locale.ROOT, format, value);
    }

    /**
     * CPU time of a process and its descendants (Dante's children), user and system, from {@code /proc/PID/stat}
     * (Linux; {@code utime} and {@code stime}, with {@code cutime} and {@code cstime} for children already reaped):
     * exited threads count too, which microsocks' thread per connection needs. Clock ticks, read as 100 a second.
     */
    record CpuTime(long userTicks, long systemTicks) {
        private static final long MICROS_PER_TICK = 10_000;

        /** @return the process's CPU time so far, or null if it is unknown (no process, or no {@code /proc}) */
        static CpuTime of(ProcessHandle process) {
            if (process == null) {
                return null;
            }
            long user = 0;
            long system = 0;
            for (ProcessHandle p : java.util.stream.Stream.concat(java.util.stream.Stream.of(process),
                    process.descendants()).toList()) {
                String stat;
                try {
                    stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(p.pid()),
                            "stat"));
                } catch (IOException e) {
                    if (p == process) {
                        return null;
                    }
                    continue; // a child that just exited
                }
                // After the command in parentheses: state, ppid, ..., utime (14th field), stime, cutime, cstime.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                user += Long.parseLong(f[11]) + Long.parseLong(f[13]);
                system += Long.parseLong(f[12]) + Long.parseLong(f[14]);
            }
            return new CpuTime(user, system);
        }

        CpuTime minus(CpuTime o) {
            return new CpuTime(userTicks - o.userTicks, systemTicks - o.systemTicks);
        }

        long userMicros() {
            return userTicks * MICROS_PER_TICK;
        }

        long systemMicros() {
            return systemTicks * MICROS_PER_TICK;
        }

        long totalMicros() {
            return userMicros() + systemMicros();
        }
    }

    /**
     * The embedded server in a JVM of its own ({@link EmbeddedServerMain}, this JVM's {@code java} and class path),
     * as Dante and microsocks run: it then shares neither GC nor JIT threads with the benchmark's client.
     */
    static final class ServerJvm implements AutoCloseable {
        final Process process;
        final InetSocketAddress address;

        /** @param firstClasses a directory or jar put before this JVM's class path (another build), or null */
        ServerJvm(int buffer, int selectorThreads, String firstClasses) throws IOException {
            String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classPath = System.getProperty("java.class.path");
            if (firstClasses != null) {
                classPath = firstClasses + java.io.File.pathSeparator + classPath;
            }
            process = new ProcessBuilder(javaBin, "-cp", classPath,
                    EmbeddedServerMain.class.getName(), String.valueOf(buffer), String.valueOf(selectorThreads))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            if (line == null || !line.startsWith("listening ")) {
                process.destroyForcibly();
                throw new IOException("the server JVM did not start: " + line);
            }
            address = new InetSocketAddress(Loopback.LOCALHOST, Integer.parseInt(line.substring(10).trim()));
        }

        @Override
        public void close() throws IOException {
            process.getOutputStream().close();
            try {
                if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
