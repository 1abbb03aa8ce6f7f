package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 13, item 1: what a client chooses (SOCKS5 domain names, RFC 1929 user names, SOCKS4 USERIDs) never reaches
 * the log raw. The forged text is a whole fake session line, with terminal control sequences and bytes that are no
 * text at all.
 */
@Timeout(30)
class SocksServerLogForgingTest {
    private static final String FAKE_LINE = "\nsocksify server: 10.9.9.9:2 SOCKS5 CONNECT bank.example:443 user=alice "
            + "reply=SUCCEEDED(0x00) up=0 down=0 ms=1";
    /** LF, CR, ESC (a colour sequence), NUL (not in a domain name, which refuses it), DEL. */
    private static final byte[] NASTY = concat(FAKE_LINE.getBytes(StandardCharsets.US_ASCII),
            new byte[] {'\r', 0x1b, '[', '3', '1', 'm', 0x7f});

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void everyClientChosenStringIsEscapedOnOneLinePerSession() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Thread t = new Thread(() -> SocksServerCommand.run(new String[] {"--port", "0", "--user", "alice:pw0rd"},
                out, err, stop));
        t.start();
        try {
            InetSocketAddress server = awaitAddress();
            // 1. RFC 1929 user name: forged line, control bytes, a valid UTF-8 'é' and an invalid octet 0xFF.
            byte[] user = concat("mallory".getBytes(StandardCharsets.US_ASCII), NASTY, new byte[] {(byte) 0xC3,
                    (byte) 0xA9, (byte) 0xFF});
            exchange(server, concat(new byte[] {5, 1, 2}, new byte[] {1, (byte) user.length}, user,
                    new byte[] {1, 'x'}));
            // 2. SOCKS5 domain name, after a good login: octets 0x00 excluded (refused by the codec), 0x80..0xFF too.
            byte[] name = concat("bank".getBytes(StandardCharsets.US_ASCII), NASTY, new byte[] {(byte) 0xC3,
                    (byte) 0xA9, (byte) 0xFF});
            exchange(server, concat(new byte[] {5, 1, 2}, new byte[] {1, 5},
                    "alice".getBytes(StandardCharsets.US_ASCII), new byte[] {5},
                    "pw0rd".getBytes(StandardCharsets.US_ASCII), new byte[] {5, 1, 0, 3, (byte) name.length}, name, new byte[] {1, (byte) 0xBB}));
            // 3. SOCKS4 USERID (refused: the server has users), NUL-terminated so without NUL, but with the rest.
            byte[] userId = concat("eve".getBytes(StandardCharsets.US_ASCII), NASTY, new byte[] {(byte) 0xFF});
            exchange(server, concat(new byte[] {4, 1, 0, 80, 127, 0, 0, 1}, userId, new byte[] {0}));
            awaitLines(3);
        } finally {
            stop.countDown();
            t.join(10_000);
        }
        List<String> sessions = sessionLines();
        assertEquals(3, sessions.size(), "one line per session: " + sessions);
        String log = outBytes.toString(StandardCharsets.UTF_8);
        for (char c : new char[] {'\r', 0x1b, 0x7f, 0, 0xe9, 0xfffd}) {
            assertEquals(-1, log.indexOf(c), "raw " + Integer.toHexString(c) + " in the log: " + log);
        }
        assertFalse(log.contains("\nsocksify server: 10.9.9.9"), log);
        String escaped = "\\x0asocksify server: 10.9.9.9:2 SOCKS5 CONNECT bank.example:443 user=alice "
                + "reply=SUCCEEDED(0x00) up=0 down=0 ms=1\\x0d\\x1b[31m\\x7f";
        // A session's line is printed when it has ended, which may be after the client saw its end: find them.
        String auth = line(sessions, "user=\"mallory");
        String name = line(sessions, " CONNECT \"bank");
        String socks4 = line(sessions, " SOCKS4 ");
        assertTrue(auth.contains(" user=\"mallory" + escaped + "\\xe9\\ufffd\" reply=-"), auth);
        assertTrue(auth.contains("failure=\"authentication failed for user \"mallory" + escaped), auth);
        assertTrue(name.contains(" CONNECT \"bank" + escaped + "\\xc3\\xa9\\xff\":443 user=alice reply="), name);
        assertTrue(name.contains("failure=\"cannot resolve \"bank" + escaped), name);
        assertTrue(socks4.contains(" SOCKS4 CONNECT 127.0.0.1:80 user=\"eve" + escaped + "\\ufffd\""), socks4);
    }

    @Test
    void theRecordKeepsTheRawValues() throws Exception {
        try (SocksServer server = SocksServer.builder().port(0).start();
                Socket s = new Socket(server.address().getAddress(), server.address().getPort())) {
            byte[] userId = concat("eve".getBytes(StandardCharsets.US_ASCII), NASTY);
            s.getOutputStream().write(concat(new byte[] {4, 1, 0, 1, 0, 0, 0, 1}, userId, new byte[] {0},
                    "bank\r\n".getBytes(StandardCharsets.US_ASCII), new byte[] {0}));
            s.getInputStream().readNBytes(8);
            s.close();
            SessionRecord r = server.awaitRecords(1, Duration.ofSeconds(10)).get(0);
            assertEquals(new String(userId, StandardCharsets.UTF_8), r.user());
            assertEquals("bank\r\n", r.destination().domain());
            assertEquals(-1, r.toString().indexOf('\n'), r.toString());
            assertTrue(r.toString().contains("\"bank\\x0d\\x0a\":1"), r.toString());
        }
    }

    private static void exchange(InetSocketAddress server, byte[] request) throws IOException {
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request);
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // read the replies until the server closes
            }
        }
    }

    private InetSocketAddress awaitAddress() throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)")
                    .matcher(outBytes.toString(StandardCharsets.UTF_8));
            if (m.find()) {
                return new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no 'listening on' line: " + outBytes);
    }

    private void awaitLines(int n) throws InterruptedException {
        for (int i = 0; i < 200 && sessionLines().size() < n; i++) {
            Thread.sleep(50);
        }
    }

    private List<String> sessionLines() {
        List<String> lines = new ArrayList<>();
        for (String line : outBytes.toString(StandardCharsets.UTF_8).split("\n", -1)) {
            if (!line.isEmpty() && !line.contains("listening on")) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static String line(List<String> lines, String part) {
        for (String l : lines) {
            if (l.contains(part)) {
                return l;
            }
        }
        throw new AssertionError("no line with " + part + ": " + lines);
    }

    private static byte[] concat(byte[]... parts) {
        return Peers.concat(parts);
    }
}
