package io.socksify.agent.config;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Syntax}'s hand-written checks against the regular expressions they stand for, on random strings. */
class SyntaxTest {
    private static final String ALPHABET = "0919..aAfFgzZ_.-*:%/ \u0661";
    /** Digits and dots only: random strings that match the address and number expressions often. */
    private static final String DIGITS = "0123456789.";

    @Test
    void everyCheckAcceptsWhatItsExpressionMatches() {
        same("\\d{1,3}", s -> Syntax.digits(s, 3));
        same("\\d{1,5}", s -> Syntax.digits(s, 5));
        same("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?", Syntax::hostName);
        same("\\d{1,3}(\\.\\d{1,3}){3}", Syntax::ipv4);
        same("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*", Syntax::ipv6);
        same("[A-Za-z0-9_.*-]*\\*[A-Za-z0-9_.*-]*", Syntax::glob);
        same("\\*\\.[a-z0-9_.-]*[a-z_-][a-z0-9_.-]*", Syntax::suffixGlob);
        same("\\d{1,3}(\\.\\d{1,3}){3}", Syntax::ipv4, DIGITS);
        same("\\d{1,3}", s -> Syntax.digits(s, 3), DIGITS);
    }

    @Test
    void examples() {
        assertTrue(Syntax.ipv4("127.0.0.1"));
        assertFalse(Syntax.ipv4("127.0.0.1."));
        assertFalse(Syntax.ipv4("1.2.3"));
        assertFalse(Syntax.ipv4("1234.1.1.1"));
        assertFalse(Syntax.ipv4("1.2.3.4.5"));
        assertFalse(Syntax.ipv4("1..2.3"));
        assertTrue(Syntax.ipv4("999.0.00.1")); // the shape only, as the expression: ranges are checked later
        assertTrue(Syntax.hostName("a"));
        assertTrue(Syntax.hostName("proxy.corp."));
        assertFalse(Syntax.hostName("proxy-"));
        assertTrue(Syntax.suffixGlob("*.corp"));
        assertFalse(Syntax.suffixGlob("*.10"));
        assertFalse(Syntax.digits("\u0661", 3)); // Arabic-Indic digit one: \d is ASCII only
    }

    private static void same(String regex, Predicate<String> check) {
        same(regex, check, ALPHABET);
    }

    private static void same(String regex, Predicate<String> check, String alphabet) {
        Pattern pattern = Pattern.compile(regex);
        Random random = new Random(regex.hashCode());
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = random.nextInt(8) == 0 ? "*." + s : s.toString();
            assertEquals(pattern.matcher(text).matches(), check.test(text), regex + " on '" + text + "'");
        }
    }
}
