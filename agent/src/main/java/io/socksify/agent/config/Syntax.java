package io.socksify.agent.config;

/**
 * The character-level checks of the option syntax, written out instead of as regular expressions: compiling a
 * {@code Pattern} (and {@code String.matches}, which compiles one per call) costs start-up time, and these run in
 * {@code premain}. Each method says the expression it stands for; {@code \d} there is {@code [0-9]}.
 */
final class Syntax {
    private Syntax() {
    }

    /** {@code \d{1,max}}. */
    static boolean digits(String s, int max) {
        if (s.isEmpty() || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!digit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?}: a host name's characters. */
    static boolean hostName(String s) {
        int n = s.length();
        if (n == 0 || !word(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < n - 1; i++) {
            char c = s.charAt(i);
            if (!word(c) && c != '.' && c != '-') {
                return false;
            }
        }
        char last = s.charAt(n - 1);
        return n == 1 || word(last) || last == '.';
    }

    /** {@code \d{1,3}(\.\d{1,3}){3}}. */
    static boolean ipv4(String s) {
        int groups = 0;
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                if (!digits(s.substring(start, i), 3)) {
                    return false;
                }
                groups++;
                start = i + 1;
            }
        }
        return groups == 4;
    }

    /** {@code [0-9a-fA-F:.]*:[0-9a-fA-F:.]*}. */
    static boolean ipv6(String s) {
        boolean colon = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':') {
                colon = true;
            } else if (!digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != '.') {
                return false;
            }
        }
        return colon;
    }

    /** {@code [A-Za-z0-9_.*-]*\*[A-Za-z0-9_.*-]*}. */
    static boolean glob(String s) {
        boolean star = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*') {
                star = true;
            } else if (!word(c) && c != '.' && c != '-') {
                return false;
            }
        }
        return star;
    }

    /** {@code \*\.[a-z0-9_.-]*[a-z_-][a-z0-9_.-]*}: {@code *.} and a suffix with a letter, '_' or '-'. */
    static boolean suffixGlob(String s) {
        if (!s.startsWith("*.")) {
            return false;
        }
        boolean nonDigit = false;
        for (int i = 2; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lowerOrMark = (c >= 'a' && c <= 'z') || c == '_' || c == '-';
            if (!lowerOrMark && !digit(c) && c != '.') {
                return false;
            }
            nonDigit |= lowerOrMark;
        }
        return nonDigit;
    }

    /**
     * The address of an IP literal as {@code InetAddress.getByName} reads it (4 bytes for IPv4 and IPv4-mapped IPv6,
     * else 16), decided without {@code InetAddress}: making one initializes the JDK's name service (and on JDK 21+
     * reads the security properties), which the configuration need not pay for while the JVM starts.
     *
     * @return the address, or null when this method is not sure: anything but four decimal groups of at most 255, or
     *         hex groups with at most one {@code ::} and an optional dotted IPv4 tail (a zone id, too, is left to
     *         the JDK); the caller then asks {@code InetAddress}, which decides as before
     */
    static byte[] ipLiteral(String s) {
        if (ipv4(s)) {
            return ipv4Bytes(s);
        }
        if (!ipv6(s) || s.length() < 2) {
            return null;
        }
        byte[] a = new byte[16];
        int n = 0; // bytes written
        int gap = -1; // where "::" stands
        int i = 0;
        int len = s.length();
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
        } else if (s.charAt(0) == ':') {
            return null;
        }
        while (i < len) {
            int end = i;
            while (end < len && s.charAt(end) != ':') {
                end++;
            }
            String group = s.substring(i, end);
            if (group.indexOf('.') >= 0) {
                byte[] v4 = end == len && n <= 12 ? ipv4Bytes(group) : null;
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, a, n, 4);
                n += 4;
                break;
            }
            if (group.isEmpty() || group.length() > 4 || n > 14) {
                return null;
            }
            int value = Integer.parseInt(group, 16);
            a[n++] = (byte) (value >> 8);
            a[n++] = (byte) value;
            if (end == len) {
                break;
            }
            // A separator: one colon before a group, or the one "::".
            if (end + 1 < len && s.charAt(end + 1) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = n;
                i = end + 2;
            } else if (end + 1 == len) {
                return null; // a trailing single colon
            } else {
                i = end + 1;
            }
        }
        if (gap >= 0) {
            if (n == 16) {
                return null;
            }
            int tail = n - gap;
            System.arraycopy(a, gap, a, 16 - tail, tail);
            java.util.Arrays.fill(a, gap, 16 - tail, (byte) 0);
        } else if (n != 16) {
            return null;
        }
        for (int k = 0; k < 10; k++) {
            if (a[k] != 0) {
                return a;
            }
        }
        if (a[10] == (byte) 0xff && a[11] == (byte) 0xff) {
            return java.util.Arrays.copyOfRange(a, 12, 16); // IPv4-mapped: the JDK returns the IPv4 address
        }
        return a;
    }

    /** @return {@code address} as {@code InetAddress.getHostAddress} prints it (no zone id) */
    static String hostAddress(byte[] address) {
        StringBuilder sb = new StringBuilder(39);
        if (address.length == 4) {
            for (int i = 0; i < 4; i++) {
                sb.append(i == 0 ? "" : ".").append(address[i] & 0xff);
            }
        } else {
            for (int i = 0; i < 16; i += 2) {
                sb.append(i == 0 ? "" : ":").append(Integer.toHexString(((address[i] & 0xff) << 8) | (address[i + 1] & 0xff)));
            }
        }
        return sb.toString();
    }

    private static byte[] ipv4Bytes(String s) {
        if (!ipv4(s)) {
            return null;
        }
        byte[] a = new byte[4];
        int start = 0;
        for (int k = 0; k < 4; k++) {
            int dot = k == 3 ? s.length() : s.indexOf('.', start);
            int value = Integer.parseInt(s.substring(start, dot));
            if (value > 255) {
                return null;
            }
            a[k] = (byte) value;
            start = dot + 1;
        }
        return a;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** {@code [A-Za-z0-9_]}. */
    private static boolean word(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) || c == '_';
    }
}
