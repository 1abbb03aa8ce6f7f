package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JDKs child JVMs run on: the test JVM's own (17) and a JDK 25. A missing JDK fails the test with a clear
 * message; it never skips it.
 *
 * <p>Use {@link #all()} as a {@code @MethodSource}:
 * <pre>{@code
 * @ParameterizedTest
 * @MethodSource("io.socksify.it.support.Jdks#all")
 * void routesSocket(Path javaHome) { ... }
 * }</pre>
 */
public final class Jdks {

    /**
     * Directories whose entries may be JDK homes, after {@code JAVA_HOME}: the same places, in the same order, as
     * {@code scripts/jdks.sh} (which setup.sh and .ci/run use). Each JDK has a {@code release} file naming its
     * version.
     */
    private static final List<Path> JDK_DIRS = List.of(Path.of("/usr/lib/jvm"), Path.of("/opt"), Path.of("/opt/java"));
    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    private Jdks() {
    }

    /** The {@code java.home} of the test JVM. */
    public static Path current() {
        return Path.of(System.getProperty("java.home"));
    }

    /**
     * A JDK 17: system property {@code socksify.jdk17}, environment {@code SOCKSIFY_JDK17}, the test JVM when it
     * is 17, else the first of {@code JAVA_HOME}, {@code /usr/lib/jvm/*}, {@code /opt/*}, {@code /opt/java/*}
     * whose {@code release} says 17.
     */
    public static Path jdk17() {
        return find(17, false, "socksify.jdk17", "SOCKSIFY_JDK17");
    }

    /**
     * A JDK 25: system property {@code socksify.jdk25}, environment {@code SOCKSIFY_JDK25}, the test JVM when it
     * is 25, else the first of {@code JAVA_HOME}, {@code /usr/lib/jvm/*}, {@code /opt/*}, {@code /opt/java/*} whose
     * {@code release} says 25 (or, lacking one, the oldest newer one): what {@code scripts/jdks.sh} picks.
     */
    public static Path jdk25() {
        return find(25, true, "socksify.jdk25", "SOCKSIFY_JDK25");
    }

    /** The java homes every agent scenario runs on: {@link #jdk17()} and {@link #jdk25()}. */
    public static List<Path> all() {
        return List.copyOf(new LinkedHashSet<>(List.of(jdk17(), jdk25())));
    }

    /** The feature release ({@code 17}, {@code 25}) of the JDK at {@code javaHome}, read from its release file. */
    public static OptionalInt featureVersion(Path javaHome) {
        Path release = javaHome.resolve("release");
        if (!Files.isRegularFile(release)) {
            return OptionalInt.empty();
        }
        try {
            Matcher matcher = JAVA_VERSION.matcher(Files.readString(release));
            return matcher.find() ? OptionalInt.of(Integer.parseInt(matcher.group(1))) : OptionalInt.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + release, e);
        }
    }

    /** {@code <javaHome>/bin/java}. */
    public static Path javaExecutable(Path javaHome) {
        return javaHome.resolve("bin").resolve("java");
    }

    private static Path find(int feature, boolean orNewer, String property, String variable) {
        List<String> tried = new ArrayList<>();
        String configured = System.getProperty(property);
        String source = "system property " + property;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(variable);
            source = "environment variable " + variable;
        }
        if (configured != null && !configured.isBlank()) {
            // An explicit choice that is wrong is an error, not a reason to look elsewhere.
            Path home = Path.of(configured);
            OptionalInt version = usableVersion(home);
            if (version.isEmpty() || !(version.getAsInt() == feature || orNewer && version.getAsInt() > feature)) {
                throw new AssertionError(source + " = " + configured + " is not a JDK " + feature
                        + (orNewer ? " or newer" : "") + " (release file says "
                        + (version.isPresent() ? version.getAsInt() : "nothing") + ", or bin/java is missing)");
            }
            return home;
        }
        Path current = current();
        if (usableVersion(current).orElse(-1) == feature) {
            return current;
        }
        tried.add(current + " (test JVM)");
        List<Path> candidates = candidates();
        Optional<Path> exact = Optional.empty();
        Optional<Path> newer = Optional.empty();
        int newerVersion = Integer.MAX_VALUE;
        for (Path candidate : candidates) {
            OptionalInt version = usableVersion(candidate);
            tried.add(candidate + (version.isPresent() ? " (" + version.getAsInt() + ")" : " (no release/bin/java)"));
            if (version.isEmpty()) {
                continue;
            }
            if (version.getAsInt() == feature && exact.isEmpty()) {
                exact = Optional.of(realPath(candidate));
            } else if (orNewer && version.getAsInt() > feature && version.getAsInt() < newerVersion) {
                newer = Optional.of(realPath(candidate));
                newerVersion = version.getAsInt();
            }
        }
        if (exact.isPresent()) {
            return exact.get();
        }
        if (newer.isPresent()) {
            return newer.get();
        }
        throw new AssertionError("no JDK " + feature + (orNewer ? " (or newer)" : "") + " found; set -D" + property
                + "=<java home> or " + variable + ", or install one under one of " + JDK_DIRS + ". Looked at: "
                + tried);
    }

    /** {@code JAVA_HOME}, then the entries of each of {@link #JDK_DIRS} in name order: a shell glob's order. */
    private static List<Path> candidates() {
        List<Path> candidates = new ArrayList<>();
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isBlank()) {
            candidates.add(Path.of(javaHome));
        }
        for (Path dir : JDK_DIRS) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> entries = new ArrayList<>();
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir, Files::isDirectory)) {
                dirs.forEach(entries::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
            entries.sort(Comparator.naturalOrder());
            candidates.addAll(entries);
        }
        return candidates;
    }

    private static OptionalInt usableVersion(Path home) {
        if (!Files.isExecutable(javaExecutable(home))) {
            return OptionalInt.empty();
        }
        return featureVersion(home);
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path;
        }
    }
}
