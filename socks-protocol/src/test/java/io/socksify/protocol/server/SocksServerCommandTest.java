package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SocksServerCommandTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private int run(String... args) {
        return SocksServerCommand.run(args, out, err, new CountDownLatch(0));
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsHelp() {
        assertEquals(0, run("--help"));
        assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("--user NAME:PASSWORD"));
    }

    @Test
    void setsTheIdleTimeoutAndThePerClientLimit() {
        SocksServer configured = SocksServerCommand.parse(new String[] {"--idle-timeout", "30",
                "--max-connections-per-client=4"}, out).build();
        assertEquals(30_000_000_000L, configured.config.idleTimeoutNanos);
        assertEquals(4, configured.config.maxConnectionsPerClient);
        SocksServer plain = SocksServerCommand.parse(new String[0], out).build();
        assertEquals(0, plain.config.idleTimeoutNanos, "no idle timeout unless asked for");
        assertEquals(0, plain.config.maxConnectionsPerClient);
        assertEquals(2, run("--idle-timeout", "0"));
        assertTrue(err().contains("--idle-timeout: 0 (expected: a number of seconds of at least 1)"), err());
        errBytes.reset();
        assertEquals(2, run("--max-connections-per-client", "0"));
        assertTrue(err().contains("--max-connections-per-client: 0 (expected: a number of at least 1)"), err());
        assertEquals(0, run("--help"));
        assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("--idle-timeout SECONDS"));
    }

    @Test
    void configuresTheGssapiAcceptorAndNamesWhatIsWrong(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path keytab = java.nio.file.Files.writeString(dir.resolve("server.keytab"), "keys");
        SocksServer s = SocksServerCommand.parse(new String[] {"--gssapi-keytab", keytab.toString(),
                "--gssapi-principal=rcmd/proxy@EXAMPLE.COM", "--gssapi-level", "clear,integrity", "--gssapi-nec",
                "--allow-principal", "*@EXAMPLE.COM", "--bind", "0.0.0.0"}, out).build();
        GssapiAcceptor g = s.config.gssapi;
        assertEquals(keytab, g.keytab());
        assertEquals("rcmd/proxy@EXAMPLE.COM", g.principal());
        assertEquals(java.util.EnumSet.of(GssapiAcceptor.Level.CLEAR, GssapiAcceptor.Level.INTEGRITY), g.levels());
        assertTrue(g.nec());
        assertTrue(s.config.requiresAuthentication(), "GSS-API is authentication: no open relay on 0.0.0.0");
        assertTrue(s.config.principalAllowed("alice@EXAMPLE.COM"));
        assertFalse(s.config.principalAllowed("alice@OTHER.ORG"));
        GssapiAcceptor byDefault = SocksServerCommand.parse(new String[] {"--gssapi-keytab", keytab.toString()},
                out).build().config.gssapi;
        assertEquals(java.util.EnumSet.of(GssapiAcceptor.Level.INTEGRITY, GssapiAcceptor.Level.CONFIDENTIALITY),
                byDefault.levels(), "as Dante: clear is not allowed unless asked for");
        assertEquals(null, byDefault.principal());
        assertEquals(null, SocksServerCommand.parse(new String[0], out).build().config.gssapi);

        assertEquals(2, run("--gssapi-keytab", keytab.toString(), "--gssapi-level", "integrity,secret"));
        assertTrue(err().contains("--gssapi-level integrity,secret: GSS-API level: secret (expected: clear, "
                + "integrity or confidentiality)"), err());
        errBytes.reset();
        assertEquals(2, run("--gssapi-principal", "rcmd/proxy@EXAMPLE.COM"));
        assertTrue(err().contains("--gssapi-principal: needs --gssapi-keytab FILE"), err());
        errBytes.reset();
        assertEquals(2, run("--gssapi-keytab", dir.resolve("missing.keytab").toString()));
        assertTrue(err().contains("missing.keytab: does not exist or cannot be read"), err());
        errBytes.reset();
        assertEquals(2, run("--gssapi-keytab", keytab.toString(), "--allow-principal", "al*ce@EXAMPLE.COM"));
        assertTrue(err().contains("--allow-principal: principal rule: al*ce@EXAMPLE.COM (expected: user@REALM, "
                + "*@REALM or *)"), err());
        errBytes.reset();
        assertEquals(2, run("--allow-principal", "*@EXAMPLE.COM"));
        assertTrue(err().contains("--allow-principal: needs --gssapi-keytab FILE"), err());
        errBytes.reset();
        assertEquals(2, run("--gssapi-keytab", keytab.toString(), "--allow-principal", "alice"));
        assertTrue(err().contains("--allow-principal: principal rule: alice has no realm"), err());
        assertEquals(0, run("--help"));
        assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("--gssapi-keytab FILE"));
    }

    @Test
    void namesTheBadArgumentAndWhatIsExpected() {
        assertEquals(2, run("--port", "eighty"));
        assertTrue(err().contains("--port: 'eighty' (expected: a port number 0..65535)"), err());
        errBytes.reset();
        assertEquals(2, run("--port", "70000"));
        assertTrue(err().contains("--port: 70000 (expected: a port number 0..65535)"), err());
        errBytes.reset();
        assertEquals(2, run("--bind", "localhost"));
        assertTrue(err().contains("--bind: 'localhost' (expected: an IP address"), err());
        errBytes.reset();
        assertEquals(2, run("--allow", "10.0.0.0/40"));
        assertTrue(err().contains("--allow: rule: 10.0.0.0/40 has prefix length '40'"), err());
        errBytes.reset();
        assertEquals(2, run("--user"));
        assertTrue(err().contains("--user: missing value (expected: NAME:PASSWORD)"), err());
        errBytes.reset();
        assertEquals(2, run("--frobnicate"));
        assertTrue(err().contains("unknown argument '--frobnicate'"), err());
    }

    @Test
    void neverPrintsAPasswordInAnError() {
        assertEquals(2, run("--user", "s3cretpassword"));
        assertFalse(err().contains("s3cretpassword"), err());
        assertTrue(err().contains("--user: no ':' in the value (expected: NAME:PASSWORD)"), err());
    }

    @Test
    void refusesAnOpenRelayOnAPublicAddressInTheCommandsWords() {
        assertEquals(2, run("--bind", "0.0.0.0", "--port", "0"));
        assertTrue(err().contains("--bind 0.0.0.0: refusing to be an open relay on an address other than loopback: "
                + "require users with --users-file FILE (or --user, SOCKSIFY_SERVER_USERS) or GSS-API with "
                + "--gssapi-keytab FILE, restrict clients with "
                + "--allow CIDR, or accept every client with --open-relay"), err());
        assertFalse(err().contains("allowClients") || err().contains("allowOpenRelay()"), err());
    }

    @Test
    void namesOtherBadNumbersInTheCommandsWords() {
        assertEquals(2, run("--max-connections", "0"));
        assertTrue(err().contains("server: --max-connections: 0 (expected: a number of at least 1)"), err());
        errBytes.reset();
        assertEquals(2, run("--handshake-timeout", "-3"));
        assertTrue(err().contains("server: --handshake-timeout: -3 (expected: a number of seconds of at least 1)"),
                err());
        errBytes.reset();
        assertEquals(2, run("--port", "-1"));
        assertTrue(err().contains("server: --port: -1 (expected: a port number 0..65535)"), err());
        assertFalse(err().contains("maxConnections") || err().contains("handshakeTimeout") || err().contains("PT"),
                err());
    }

    @Test
    void namesTheAddressItCannotListenOn() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, Peers.LOCALHOST)) {
            assertEquals(1, run("--port", String.valueOf(taken.getLocalPort())));
            assertTrue(err().contains("server: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": "), err());
        }
    }

    @Test
    void servesAndLogsOneLinePerSessionWithoutPasswords() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Thread t = new Thread(() -> SocksServerCommand.run(new String[] {"--port", "0", "--user", "alice:pw0rd",
                "--user", "bob:builder"}, out, err, stop));
        t.start();
        try (Peers.EchoTarget target = new Peers.EchoTarget()) {
            InetSocketAddress address = null;
            for (int i = 0; i < 100 && address == null; i++) {
                Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)")
                        .matcher(outBytes.toString(StandardCharsets.UTF_8));
                if (m.find()) {
                    address = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
                } else {
                    Thread.sleep(50);
                }
            }
            assertTrue(address != null, "no 'listening on' line: " + outBytes);
            java.net.Authenticator.setDefault(new java.net.Authenticator() {
                @Override
                protected java.net.PasswordAuthentication getPasswordAuthentication() {
                    return new java.net.PasswordAuthentication("alice", "pw0rd".toCharArray());
                }
            });
            try (Socket s = new Socket(new Proxy(Proxy.Type.SOCKS, address))) {
                s.connect(target.address(), 5000);
                s.getOutputStream().write(1);
                assertEquals(1, s.getInputStream().read());
            } finally {
                java.net.Authenticator.setDefault(null);
            }
            for (int i = 0; i < 100 && !outBytes.toString(StandardCharsets.UTF_8).contains("user=alice"); i++) {
                Thread.sleep(50);
            }
        } finally {
            stop.countDown();
            t.join(10_000);
        }
        String log = outBytes.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("SOCKS5 CONNECT 127.0.0.1:") && log.contains("user=alice"), log);
        assertFalse(log.contains("pw0rd") || log.contains("builder"), log);
        assertFalse(t.isAlive());
    }
}
