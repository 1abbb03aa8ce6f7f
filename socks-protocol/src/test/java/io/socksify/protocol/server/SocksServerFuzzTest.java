package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The real server on loopback, every version and command, the input in any split: a client writes the fuzzer's
 * bytes in the chunks it chooses (TCP_NODELAY, so mostly one segment each), then shuts its output down and reads
 * until the server closes (at most 2 s), then closes.
 *
 * <p>Properties: every session ends within 5 s of its client's close, whatever state it was in (the server sees
 * the close in every state), and none ends with an exception other than an I/O one (a bug in the session's code
 * would show as {@code java.lang.IllegalStateException} and the like in its record). Destinations are limited to
 * 127.0.0.1 and names resolve to nothing, so no input reaches beyond loopback; a relay to some live local port
 * ends by the 1 s idle timeout. A SOCKS server connects where its clients say: {@code scripts/fuzz.sh} turns Jazzer's
 * server-side request forgery detector off for this target (the destination rule is what bounds it here). Slower than the codec-level
 * {@code ServerHandshakeFuzzTest} (hundreds of executions a second), but it is {@code Session} itself that runs.
 */
class SocksServerFuzzTest {
    private static final Pattern BUG = Pattern.compile("java\\.lang\\.[A-Za-z]*(Exception|Error)");
    private static SocksServer server;
    private static int seen;

    @BeforeAll
    static void start() throws IOException {
        server = SocksServer.builder().port(0).selectorThreads(1).allowDestinations("127.0.0.1/32")
                .connectTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(1)).lookupResolver(name -> {
                    throw new UnknownHostException(name);
                }).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @FuzzTest
    void session(FuzzedDataProvider data) throws Exception {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(server.address(), 2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            try {
                while (data.remainingBytes() > 0) {
                    byte[] chunk = data.consumeBytes(data.consumeInt(1, 600));
                    if (chunk.length == 0) {
                        break;
                    }
                    out.write(chunk);
                    out.flush();
                }
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                byte[] sink = new byte[4096];
                while (in.read(sink) >= 0) {
                    // what the server answers is checked by the unit tests; here only that it ends
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // The server closed first (reset) or still relays: the client closes now.
            }
        }
        seen++;
        List<SessionRecord> records = server.awaitRecords(seen, Duration.ofSeconds(5));
        SessionRecord r = records.get(records.size() - 1);
        assertFalse(r.failure() != null && BUG.matcher(r.failure()).find(), "a session ended by a bug: " + r);
        assertEquals(0, server.activeSessions(), "sessions left open");
    }
}
