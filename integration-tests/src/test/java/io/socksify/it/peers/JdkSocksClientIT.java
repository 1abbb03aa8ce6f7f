package io.socksify.it.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.socksify.it.support.Dante;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.Microsocks;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the echo targets with the JDK's own SOCKS client ({@code new Socket(Proxy)}) through Dante and
 * microsocks, in the test JVM: the reference behaviour socksify must reproduce for everything else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JdkSocksClientIT {

    @Test
    void tcpEchoThroughDante() throws IOException {
        try (Dante dante = Dante.builder().start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(dante.externalAddress())) {
            assertEchoes(dante.address(), target.address());
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
        }
    }

    @Test
    void tcpEchoThroughMicrosocks() throws IOException {
        try (Microsocks proxy = Microsocks.builder().start();
                TcpEchoTarget target = TcpEchoTarget.acceptingOnly(proxy.externalAddress())) {
            assertEchoes(proxy.address(), target.address());
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
        }
    }

    @Test
    void tlsEchoThroughDante() throws IOException {
        try (Dante dante = Dante.builder().start();
                TlsEchoTarget target = TlsEchoTarget.acceptingOnly(dante.externalAddress());
                Socket tunnel = new Socket(new Proxy(Proxy.Type.SOCKS, dante.address()))) {
            tunnel.setSoTimeout(10_000);
            tunnel.connect(target.address(), 5_000);
            try (SSLSocket tls = (SSLSocket) TlsEchoTarget.clientContext().getSocketFactory()
                    .createSocket(tunnel, "localhost", target.port(), true)) {
                tls.startHandshake();
                byte[] message = "over TLS over SOCKS".getBytes(StandardCharsets.UTF_8);
                tls.getOutputStream().write(message);
                tls.getOutputStream().flush();
                assertArrayEquals(message, tls.getInputStream().readNBytes(message.length));
            }
            assertEquals(Loopback.PROXY_EXTERNAL, target.acceptedSources().get(0).getAddress());
            target.assertNoRejected();
        }
    }

    private static void assertEchoes(InetSocketAddress proxy, InetSocketAddress target) throws IOException {
        try (Socket socket = new Socket(new Proxy(Proxy.Type.SOCKS, proxy))) {
            socket.setSoTimeout(10_000);
            socket.connect(target, 5_000);
            byte[] message = new byte[10_000];
            for (int i = 0; i < message.length; i++) {
                message[i] = (byte) i;
            }
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // Smaller than any socket buffer pair, so writing all before reading cannot deadlock.
            out.write(message);
            out.flush();
            assertArrayEquals(message, in.readNBytes(message.length));
            socket.shutdownOutput();
            assertEquals(-1, in.read(), "the target closes after the client's half-close");
        }
    }
}
