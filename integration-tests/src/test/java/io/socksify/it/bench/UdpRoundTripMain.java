package io.socksify.it.bench;

import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.client.UdpAssociation;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * One client of {@link UdpBenchmark}, in its own JVM: sequential datagram round trips off an echo target, after a
 * warm-up; prints {@code RATE <round trips per second>}.
 * {@code UdpRoundTripMain <mode> <target host> <target port> <proxy host> <proxy port> <round trips> <size>}.
 * Modes: {@code app} (a plain {@code DatagramChannel} sending to the target, run under the agent, or without it for
 * the direct baseline) and {@code plain} (no agent: speaks the SOCKS5 UDP header itself with socks-protocol's
 * {@link UdpAssociation}: wrap, send to the relay, receive, unwrap).
 */
public final class UdpRoundTripMain {
    private UdpRoundTripMain() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2]));
        InetSocketAddress proxy = new InetSocketAddress(InetAddress.getByName(args[3]), Integer.parseInt(args[4]));
        int n = Integer.parseInt(args[5]);
        int size = Integer.parseInt(args[6]);
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            RoundTrip trip;
            UdpAssociation association = null;
            if (mode.equals("plain")) {
                association = UdpAssociation.open(SocksProxy.of(SocksVersion.SOCKS5, proxy),
                        (InetSocketAddress) channel.getLocalAddress(), 10_000);
                trip = plain(channel, association, target, size);
            } else {
                trip = app(channel, target, size);
            }
            for (int i = 0; i < Math.max(1_000, n / 5); i++) {
                trip.run();
            }
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                trip.run();
            }
            long nanos = System.nanoTime() - start;
            System.out.println("RATE " + Math.round(n * 1e9 / nanos));
            if (association != null) {
                association.close();
            }
        }
    }

    private interface RoundTrip {
        void run() throws IOException;
    }

    private static RoundTrip app(DatagramChannel channel, InetSocketAddress target, int size) {
        ByteBuffer out = ByteBuffer.allocate(size);
        ByteBuffer in = ByteBuffer.allocate(65_535);
        return () -> {
            out.clear();
            channel.send(out, target);
            in.clear();
            SocketAddress from = channel.receive(in);
            if (in.position() != size || !target.equals(from)) {
                throw new IllegalStateException("echo of " + in.position() + " bytes from " + from);
            }
        };
    }

    private static RoundTrip plain(DatagramChannel channel, UdpAssociation association, InetSocketAddress target,
            int size) {
        ByteBuffer payload = ByteBuffer.allocate(size);
        // Direct buffers: the JDK sends and receives them without a copy of its own.
        ByteBuffer out = ByteBuffer.allocateDirect(size + 32);
        ByteBuffer in = ByteBuffer.allocateDirect(65_535 + 262);
        InetSocketAddress relay = association.relayAddress();
        return () -> {
            payload.clear();
            out.clear();
            association.wrap(target, payload, out);
            out.flip();
            channel.send(out, relay);
            in.clear();
            SocketAddress from = channel.receive(in);
            in.flip();
            InetSocketAddress source = association.isFromRelay(from) ? UdpAssociation.unwrap(in) : null;
            if (in.remaining() != size || !target.equals(source)) {
                throw new IllegalStateException("echo of " + in.remaining() + " bytes from " + source);
            }
        };
    }
}
