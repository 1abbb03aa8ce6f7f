package io.socksify.it.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the external programs the tests drive. A missing one fails the test (never skips it) with a message
 * that names the Debian package and {@code scripts/setup.sh}.
 */
public final class Executables {

    /** Where Debian puts daemons ({@code danted}); root's PATH has them, a user's often does not. */
    private static final List<String> EXTRA_DIRS = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
            "/usr/bin", "/sbin", "/bin");
    /** Debian's interpreter: the package python3-socks installs PySocks for it and for no other python3. */
    private static final Path DEBIAN_PYTHON3 = Path.of("/usr/bin/python3");

    private static final Map<String, Path> FOUND = new ConcurrentHashMap<>();

    private Executables() {
    }

    /**
     * The absolute path of the executable {@code name}, looked up on PATH and then in the usual bin and sbin
     * directories.
     *
     * @param debianPackage the package that provides it, named in the failure message
     */
    public static Path require(String name, String debianPackage) {
        return FOUND.computeIfAbsent(name, n -> find(n).orElseThrow(() -> new AssertionError(
                "executable '" + n + "' not found on PATH or in " + EXTRA_DIRS + "; install the Debian package "
                        + debianPackage + " (run scripts/setup.sh as root)")));
    }

    /** {@code danted} from dante-server. */
    public static Path danted() {
        return require("danted", "dante-server");
    }

    /** {@code microsocks} from microsocks. */
    public static Path microsocks() {
        return require("microsocks", "microsocks");
    }

    /** {@code curl} from curl. */
    public static Path curl() {
        return require("curl", "curl");
    }

    /** {@code ncat} from ncat. */
    public static Path ncat() {
        return require("ncat", "ncat");
    }

    /** {@code perl} that can load IO::Socket::Socks (libio-socket-socks-perl). */
    public static Path perlWithSocks() {
        Path perl = require("perl", "perl");
        return FOUND.computeIfAbsent("perl+IO::Socket::Socks", key -> {
            ExternalProcess check = ExternalProcess.run(Duration.ofSeconds(30), perl.toString(),
                    "-MIO::Socket::Socks", "-e", "1");
            if (check.exitCode() != 0) {
                throw new AssertionError(perl + " cannot load IO::Socket::Socks; install the Debian package"
                        + " libio-socket-socks-perl (run scripts/setup.sh as root)\n" + check.describe());
            }
            return perl;
        });
    }

    /**
     * A python3 that can {@code import socks} (PySocks). Debian's {@code /usr/bin/python3} comes first: the
     * python3 on PATH may be another interpreter (pyenv, a virtualenv) without python3-socks.
     */
    public static Path python3WithPySocks() {
        return FOUND.computeIfAbsent("python3+socks", key -> {
            Set<Path> candidates = new LinkedHashSet<>();
            if (Files.isExecutable(DEBIAN_PYTHON3)) {
                candidates.add(DEBIAN_PYTHON3);
            }
            find("python3").ifPresent(candidates::add);
            List<String> tried = new ArrayList<>();
            for (Path python : candidates) {
                ExternalProcess check = ExternalProcess.run(Duration.ofSeconds(30), python.toString(), "-c",
                        "import socks");
                if (check.exitCode() == 0) {
                    return python;
                }
                tried.add(python + ": " + check.stderr().strip());
            }
            throw new AssertionError("no python3 can import socks (PySocks); install the Debian package"
                    + " python3-socks (run scripts/setup.sh as root). Tried: " + tried);
        });
    }

    private static Optional<Path> find(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
