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

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    /** {@code [A-Za-z0-9_]}. */
    private static boolean word(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) || c == '_';
    }
}
