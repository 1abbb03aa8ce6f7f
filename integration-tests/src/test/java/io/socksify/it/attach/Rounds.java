package io.socksify.it.attach;

import io.socksify.it.support.ChildJvm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the rounds {@link io.socksify.it.apps.attach.ExchangeLoopApp} prints. */
final class Rounds {
    private static final Pattern END = Pattern.compile("(?m)^R(\\d+) end$");

    private Rounds() {
    }

    /**
     * Waits for the first round that started after this call (the one under way may have started before an
     * attach took effect) and returns its results: {@code "socket a" -> "ok"}, {@code "udp b" -> "fail ..."}.
     */
    static Map<String, String> next(ChildJvm app, Duration timeout) {
        long last = lastComplete(app.stdout());
        long wanted = last + 2;
        String out = app.awaitStdout("R" + wanted + " end\n", timeout);
        Map<String, String> results = new LinkedHashMap<>();
        Matcher line = Pattern.compile("(?m)^R" + wanted + " (\\w+ \\w+) (ok|fail.*)$").matcher(out);
        while (line.find()) {
            results.put(line.group(1), line.group(2));
        }
        return results;
    }

    private static long lastComplete(String stdout) {
        Matcher m = END.matcher(stdout);
        long last = 0;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }
}
