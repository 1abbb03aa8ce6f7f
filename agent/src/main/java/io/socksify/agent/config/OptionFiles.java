package io.socksify.agent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code @file} in options: {@code @/path} alone stands for a file of {@code key=value} lines (attach and
 * {@code -javaagent} alike), and {@code key=@/path} for a value kept in a file (one item a line: a rule of
 * {@code routes}, an entry of {@code bypass}, an alternative of {@code proxy}). Blank lines and lines starting with
 * {@code #} are skipped.
 */
public final class OptionFiles {
    private OptionFiles() {
    }

    /** @return the file's lines without blanks and {@code #} comments, stripped */
    public static List<String> lines(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                lines.add(s);
            }
        }
        return lines;
    }

    /**
     * @param shown how errors name the setting
     * @throws ConfigException naming the setting and the file when it cannot be read
     */
    static List<String> read(String shown, String path) {
        try {
            return lines(Path.of(path));
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(shown, "@" + path, "a readable file (" + e + ")");
        }
    }
}
