package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Creates system users whose passwords Dante's username method checks. */
final class SystemUsers {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private SystemUsers() {
    }

    /**
     * Makes sure the system user {@code name} exists (no home, no login shell) and has {@code password}.
     * Idempotent; needs root.
     */
    static synchronized void ensure(String name, String password) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("Dante's username method checks system users; creating user '" + name
                    + "' needs root, but the tests run as " + System.getProperty("user.name"));
        }
        ExternalProcess id = ExternalProcess.run(TIMEOUT, "id", "-u", name);
        if (id.exitCode() != 0) {
            ExternalProcess add = ExternalProcess.run(TIMEOUT, sbin("useradd"), "--system", "--no-create-home",
                    "--shell", "/usr/sbin/nologin", name);
            // 9: the user exists (created meanwhile by another test JVM).
            if (add.exitCode() != 0 && add.exitCode() != 9) {
                throw new AssertionError("cannot create system user " + name + "\n" + add.describe());
            }
        }
        // chpasswd reads "name:password" from stdin; a file keeps the password off the command line.
        Path input = TempFiles.createTempDirectory("socksify-chpasswd-").resolve("input");
        try {
            Files.writeString(input, name + ":" + password + "\n", StandardCharsets.UTF_8);
            ExternalProcess chpasswd = ExternalProcess.start(List.of("sh", "-c", "exec " + sbin("chpasswd")
                    + " < \"$1\"", "chpasswd", input.toString()), Map.of(), null).awaitExit(TIMEOUT);
            if (chpasswd.exitCode() != 0) {
                throw new AssertionError("cannot set the password of system user " + name + "\n"
                        + chpasswd.describe());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            TempFiles.deleteRecursively(input.getParent());
        }
    }

    private static String sbin(String name) {
        return Executables.require(name, "passwd").toString();
    }
}
