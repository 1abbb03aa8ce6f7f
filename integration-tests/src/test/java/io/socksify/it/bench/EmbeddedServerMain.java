package io.socksify.it.bench;

import io.socksify.it.support.Loopback;
import io.socksify.protocol.server.SocksServer;

/**
 * The embedded server in a JVM of its own, configured as {@link ProxyBenchmark} configures it in-process (defaults,
 * outgoing address {@link Loopback#PROXY_EXTERNAL}, no record kept; {@code args[0]} and {@code args[1]}, if given
 * and above 0, the buffer size and the selector threads);
 * prints {@code listening PORT} and serves until its standard input ends (its parent closed it or exited).
 */
public final class EmbeddedServerMain {
    private EmbeddedServerMain() {
    }

    public static void main(String[] args) throws Exception {
        SocksServer.Builder b = SocksServer.builder().port(0).outgoingBindAddress(Loopback.PROXY_EXTERNAL)
                .recordLimit(0);
        if (args.length > 0 && Integer.parseInt(args[0]) > 0) {
            b.bufferSize(Integer.parseInt(args[0]));
        }
        if (args.length > 1 && Integer.parseInt(args[1]) > 0) {
            b.selectorThreads(Integer.parseInt(args[1]));
        }
        try (SocksServer server = b.start()) {
            System.out.println("listening " + server.address().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent goes away.
            }
        }
    }
}
