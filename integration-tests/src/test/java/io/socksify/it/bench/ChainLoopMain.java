package io.socksify.it.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;

/**
 * Run under the agent by {@link RouteBenchmark}: {@code ChainLoopMain HOST PORT COUNT WARMUP}: COUNT times a
 * {@code new Socket()} connect, one byte to an echo target and back, close; prints {@code MEDIAN_US}, {@code P90_US}
 * of the COUNT after WARMUP unmeasured ones.
 */
public final class ChainLoopMain {
    private ChainLoopMain() {
    }

    public static void main(String[] args) throws IOException {
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int count = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        long[] micros = new long[count];
        for (int i = -warmup; i < count; i++) {
            long start = System.nanoTime();
            try (Socket s = new Socket()) {
                s.connect(target, 5_000);
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write(42);
                out.flush();
                if (in.read() != 42) {
                    throw new IOException("echo mismatch");
                }
            }
            if (i >= 0) {
                micros[i] = (System.nanoTime() - start) / 1_000;
            }
        }
        Arrays.sort(micros);
        System.out.println("MEDIAN_US " + micros[count / 2]);
        System.out.println("P90_US " + micros[count * 9 / 10]);
    }
}
