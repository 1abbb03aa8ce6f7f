package io.socksify.protocol.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.socksify.protocol.client.SocksClientHandshake;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.SocksVersion;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The client's parsing of a proxy's replies ({@link SocksClientHandshake}, the non-blocking state machine both the
 * blocking and the channel paths use): any version, command and credentials, the proxy's bytes in any split.
 *
 * <p>Properties: it ends in {@code DONE} or {@code FAILED} (or still waits for more), it throws only
 * {@link IOException}s (what an application's connect may throw), never consumes bytes past what it needs, and a
 * {@code DONE} handshake has the bound address it promises.
 */
class ClientReplyFuzzTest {
    private static final InetSocketAddress PROXY = new InetSocketAddress("127.0.0.1", 1080);

    @FuzzTest
    void replies(FuzzedDataProvider data) throws IOException {
        SocksVersion version = data.pickValue(SocksVersion.values());
        SocksProxy proxy = SocksProxy.of(version, PROXY);
        if (version == SocksVersion.SOCKS5 && data.consumeBoolean()) {
            proxy = proxy.withCredentials("alice", "secret");
        }
        int command = data.consumeInt(0, 2);
        InetSocketAddress destination = data.consumeBoolean()
                ? InetSocketAddress.createUnresolved("example.com", 443)
                : new InetSocketAddress("192.0.2.1", 80);
        if (version == SocksVersion.SOCKS4 && destination.isUnresolved()) {
            destination = new InetSocketAddress("192.0.2.1", 80);
        }
        if (command == 2 && version != SocksVersion.SOCKS5) {
            command = 0;
        }
        SocksClientHandshake h = switch (command) {
            case 0 -> SocksClientHandshake.connect(proxy, destination);
            case 1 -> SocksClientHandshake.bind(proxy, destination);
            default -> SocksClientHandshake.udpAssociate(proxy, new InetSocketAddress("0.0.0.0", 0));
        };
        int chunk = data.consumeInt(1, 32);
        ByteBuffer reply = ByteBuffer.wrap(data.consumeRemainingAsBytes());
        ByteBuffer sink = ByteBuffer.allocate(1024);
        try {
            while (h.status() != SocksClientHandshake.Status.DONE && h.status() != SocksClientHandshake.Status.FAILED) {
                if (h.status() == SocksClientHandshake.Status.WRITE) {
                    sink.clear();
                    if (h.writeTo(sink) <= 0) {
                        throw new AssertionError("WRITE without bytes to write");
                    }
                    continue;
                }
                if (!reply.hasRemaining()) {
                    h.endOfStream();
                    throw new AssertionError("end of stream did not fail the handshake: " + h);
                }
                ByteBuffer part = reply.slice();
                part.limit(Math.min(chunk, part.remaining()));
                int needed = h.bytesNeeded();
                int n = h.readFrom(part);
                if (n <= 0 || n > part.limit() || needed <= 0) {
                    throw new AssertionError("consumed " + n + " of " + part.limit() + ", " + needed + " needed");
                }
                reply.position(reply.position() + n);
            }
        } catch (IOException expected) {
            assertNotNull(expected.getMessage());
            return;
        }
        if (h.status() == SocksClientHandshake.Status.DONE && h.command() != SocksClientHandshake.Command.BIND) {
            if (h.boundAddress() == null) {
                throw new AssertionError("DONE without a bound address");
            }
        }
        assertEquals(0, h.bytesToWrite());
    }
}
