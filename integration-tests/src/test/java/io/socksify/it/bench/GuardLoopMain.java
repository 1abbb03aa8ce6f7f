package io.socksify.it.bench;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Locale;

/**
 * One JVM of {@link GuardBenchmark}, under the agent: {@code GuardLoopMain <api> <host> <port> <connections>
 * <rounds>}. Each round times {@code connections} connects (connect, close with an RST so that no port waits in
 * TIME_WAIT) with the last-line guard armed and as many with it disarmed, in alternating order; the agent's own
 * {@code ConnectGuard.refusal} field is set to null for "disarmed" (reflection, for the benchmark only: the prologue in
 * {@code Net.connect} still runs, only the guard's decision check is skipped). APIs: {@code socket},
 * {@code channel}. Prints {@code ARMED <median us>}, {@code DISARMED <median us>} (medians over the rounds of each
 * round's median per connect), and {@code CHECK_NS <ns>}, the cost of one permit and one armed check measured alone.
 */
public final class GuardLoopMain {
    private static final MethodHandle PERMIT;
    private static final MethodHandle CHECK;

    static {
        try {
            Class<?> guard = Class.forName("io.socksify.agent.bootstrap.ConnectGuard", true, null);
            PERMIT = MethodHandles.publicLookup().findStatic(guard, "permit",
                    MethodType.methodType(void.class, InetSocketAddress.class));
            CHECK = MethodHandles.publicLookup().findStatic(guard, "connect",
                    MethodType.methodType(void.class, InetAddress.class, int.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private GuardLoopMain() {
    }

    public static void main(String[] args) throws Throwable {
        String api = args[0];
        InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        int connections = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        Field refusal = Class.forName("io.socksify.agent.bootstrap.ConnectGuard", true, null)
                .getDeclaredField("refusal");
        refusal.setAccessible(true);
        Object armed = refusal.get(null);
        if (armed == null) {
            throw new IllegalStateException("the guard is not armed: run under the agent");
        }
        connects(api, target, connections); // warm-up
        double[] on = new double[rounds];
        double[] off = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean armedFirst = r % 2 == 0;
            refusal.set(null, armedFirst ? armed : null);
            double first = connects(api, target, connections);
            refusal.set(null, armedFirst ? null : armed);
            double second = connects(api, target, connections);
            on[r] = armedFirst ? first : second;
            off[r] = armedFirst ? second : first;
        }
        refusal.set(null, armed);
        System.out.printf(Locale.ROOT, "ARMED %.2f %s%n", median(on), Arrays.toString(on));
        System.out.printf(Locale.ROOT, "DISARMED %.2f %s%n", median(off), Arrays.toString(off));
        System.out.printf(Locale.ROOT, "CHECK_NS %.1f%n", checkNanos(target));
    }

    /** @return the median microseconds of one connect + close */
    private static double connects(String api, InetSocketAddress target, int count) throws IOException {
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            if (api.equals("socket")) {
                try (Socket s = new Socket()) {
                    s.setSoLinger(true, 0);
                    s.connect(target, 10_000);
                }
            } else {
                try (SocketChannel ch = SocketChannel.open()) {
                    ch.socket().setSoLinger(true, 0);
                    ch.connect(target);
                }
            }
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        return nanos[count / 2] / 1000.0;
    }

    /** The guard's work for a decided connect alone: the router's permit, then the check in Net.connect. */
    private static double checkNanos(InetSocketAddress target) throws Throwable {
        InetAddress address = target.getAddress();
        int port = target.getPort();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 5; r++) {
            int n = 5_000_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                PERMIT.invokeExact(target);
                CHECK.invokeExact(address, port);
            }
            best = Math.min(best, (System.nanoTime() - t0) / (double) n);
        }
        return best;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
