package io.socksify.agent.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Syntax#ipLiteral}, which reads IP literals without {@code InetAddress}, against
 * {@code InetAddress.getByName} on the JDK running the test: whatever it reads, the JDK reads alike (bytes, and the
 * text {@code getHostAddress} prints); what it leaves to the JDK ({@code null}) the caller hands to
 * {@code InetAddress} as before.
 */
class IpLiteralTest {
    private static final String ALPHABET = "0123456789abcdefABCDEF::::....";

    @Test
    void whatItReadsTheJdkReadsAlike() throws UnknownHostException {
        Random random = new Random(12);
        int read = 0;
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(24);
            for (int j = 0; j < length; j++) {
                s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            if (check(s.toString())) {
                read++;
            }
        }
        assertTrue(read > 100, "only " + read + " random strings read");
    }

    @Test
    void everyWellFormedLiteralIsRead() throws UnknownHostException {
        Random random = new Random(34);
        for (int i = 0; i < 50_000; i++) {
            String literal = random.nextBoolean() ? ipv6(random) : ipv4(random);
            assertTrue(check(literal), literal + " was left to the JDK");
        }
    }

    @Test
    void examples() throws UnknownHostException {
        assertArrayEquals(new byte[] {127, 0, 0, 1}, Syntax.ipLiteral("127.0.0.1"));
        assertArrayEquals(new byte[] {10, 0, 0, 1}, Syntax.ipLiteral("010.000.0.1")); // decimal, as the JDK
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Syntax.ipLiteral("::ffff:1.2.3.4")); // IPv4-mapped: 4 bytes
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Syntax.ipLiteral("::FFFF:102:304"));
        assertEquals(16, Syntax.ipLiteral("::1.2.3.4").length); // IPv4-compatible stays IPv6
        assertEquals("0:0:0:0:0:0:0:1", Syntax.hostAddress(Syntax.ipLiteral("::1")));
        assertNull(Syntax.ipLiteral("999.0.0.1")); // not a literal: the JDK decides (a name)
        assertNull(Syntax.ipLiteral("::1::")); // the JDK refuses it
        assertNull(Syntax.ipLiteral("1:2:3:4:5:6:7::8")); // "::" standing for no group
        assertNull(Syntax.ipLiteral("fe80::1%lo")); // a zone id: the JDK looks up the interface
        for (String s : new String[] {"127.0.0.1", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4"}) {
            check(s);
        }
    }

    /** @return whether {@code s} was read; if so, the JDK must read it alike */
    private static boolean check(String s) throws UnknownHostException {
        byte[] bytes = Syntax.ipLiteral(s);
        if (bytes == null) {
            return false;
        }
        // ipLiteral claims s is a literal: the JDK does no lookup for it, and must agree.
        InetAddress jdk = InetAddress.getByName(s);
        assertArrayEquals(jdk.getAddress(), bytes, s);
        assertEquals(jdk.getHostAddress(), Syntax.hostAddress(bytes), s);
        assertTrue(Bypass.isIpLiteral(s), s);
        return true;
    }

    private static String ipv4(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int value = random.nextInt(256);
            String text = Integer.toString(value);
            if (text.length() < 3 && random.nextInt(4) == 0) {
                text = "0" + text; // a leading zero: still decimal
            }
            s.append(i == 0 ? "" : ".").append(text);
        }
        return s.toString();
    }

    /** A random IPv6 address written as people do: hex case, leading zeros, one "::", an IPv4 tail. */
    private static String ipv6(Random random) {
        boolean v4Tail = random.nextInt(4) == 0;
        int groups = v4Tail ? 6 : 8;
        String[] parts = new String[groups];
        for (int i = 0; i < groups; i++) {
            int value = random.nextInt(3) == 0 ? 0 : random.nextInt(0x10000);
            String hex = Integer.toHexString(value);
            if (random.nextBoolean()) {
                hex = hex.toUpperCase(java.util.Locale.ROOT);
            }
            while (hex.length() < 4 && random.nextInt(3) == 0) {
                hex = "0" + hex;
            }
            parts[i] = hex;
        }
        String tail = v4Tail ? ipv4(random) : null;
        if (random.nextBoolean()) {
            // Compress a run of groups (at least one) into "::".
            int from = random.nextInt(groups);
            int to = from + 1 + random.nextInt(groups - from);
            String head = String.join(":", Arrays.copyOfRange(parts, 0, from));
            String rest = String.join(":", Arrays.copyOfRange(parts, to, groups));
            if (tail != null) {
                rest = rest.isEmpty() ? tail : rest + ":" + tail;
            }
            return head + "::" + rest;
        }
        String all = String.join(":", parts);
        return tail == null ? all : all + ":" + tail;
    }

    @Test
    void theProxyIsMadeOnFirstUse() {
        AgentConfig config = AgentConfig.parse("proxy=socks5://[::1]:1081", new java.util.Properties());
        io.socksify.protocol.client.SocksProxy proxy = config.via().primary().first().proxy();
        assertEquals("0:0:0:0:0:0:0:1", proxy.host());
        assertEquals(1081, proxy.port());
        assertNotNull(proxy.address().getAddress());
        assertEquals("0:0:0:0:0:0:0:1", proxy.address().getHostString());
    }
}
