package io.socksify.protocol.wire;

/**
 * Renders a string that a peer chose (a SOCKS5 {@code DST.ADDR} domain name, an RFC 1929 {@code UNAME}, a SOCKS4
 * {@code USERID}, a host name an application asked for) so that it can go into a log line, a record's text or an
 * exception message without forging lines or fields, or sending control sequences to a terminal.
 *
 * <p>Every control character (U+0000..U+001F, U+007F) and every character outside printable ASCII is escaped:
 * {@code \xNN} up to U+00FF (a domain name's octets are decoded one octet per character, so each non-ASCII octet
 * shows as its own {@code \xNN}), a backslash, {@code u} and four hex digits above. Only the rendering is escaped:
 * the values themselves (in {@link SocksAddress}, the server's session records) stay raw, as data.
 *
 * <pre>{@code
 * field("example.com")        -> example.com
 * field("a b")                -> "a b"
 * field("evil\nline")         -> "evil\x0aline"
 * quote("alice")              -> "alice"
 * escape("say \"hi\"\r\n")    -> say "hi"\x0d\x0a
 * }</pre>
 */
public final class Printable {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Printable() {
    }

    /**
     * @return {@code s} in double quotes, with {@code "} and {@code \} escaped by a backslash and every other
     *         character outside printable ASCII escaped as described in the class comment; {@code null} stays
     *         {@code "null"} unquoted
     */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        append(out, s, true);
        return out.append('"').toString();
    }

    /**
     * @return {@code s} as it is if it is a non-empty run of printable ASCII without space, {@code "} or
     *         {@code \} (what every ordinary host and user name is), otherwise {@link #quote(String)}: either way
     *         one whitespace-free field of a log line, which no name can extend into a second field or line
     */
    public static String field(String s) {
        if (s == null) {
            return "null";
        }
        if (s.isEmpty()) {
            return "\"\"";
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == '"' || c == '\\') {
                return quote(s);
            }
        }
        return s;
    }

    /**
     * @return {@code s} with control characters and characters outside printable ASCII escaped, quotes and
     *         backslashes left alone: for text in words that already quotes the peer's values it holds (an error
     *         message) and must stay on one line
     */
    public static String escape(String s) {
        if (s == null) {
            return "null";
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < ' ' || c >= 0x7F) {
                StringBuilder out = new StringBuilder(s.length() + 8).append(s, 0, i);
                append(out, s.substring(i), false);
                return out.toString();
            }
        }
        return s;
    }

    /**
     * @return {@code host:port} ({@code [v6]:port}) for a socket address an application or a peer named: the IP
     *         address if it is resolved, else its host name as a {@link #field(String)}; {@code "null"} for null
     */
    public static String address(java.net.InetSocketAddress a) {
        if (a == null) {
            return "null";
        }
        String host = a.isUnresolved() || a.getAddress() == null ? field(a.getHostString())
                : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 && !host.startsWith("\"") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static void append(StringBuilder out, String s, boolean quoting) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoting && (c == '"' || c == '\\')) {
                out.append('\\').append(c);
            } else if (c >= ' ' && c < 0x7F) {
                out.append(c);
            } else if (c <= 0xFF) {
                out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            } else {
                out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF])
                        .append(HEX[c & 0xF]);
            }
        }
    }
}
