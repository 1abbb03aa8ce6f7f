package io.socksify.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, item 3: users from a file only the owner can read, or from the environment, not the command line. */
@Timeout(30)
class SocksServerUsersTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path usersFile(String mode, String... lines) throws Exception {
        Path f = dir.resolve("users");
        Files.write(f, java.util.List.of(lines), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    private SocksServer parse(Map<String, String> env, String... args) {
        return SocksServerCommand.parse(args, out, err, env).build();
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void readsUsersFromAFileOnlyItsOwnerCanRead() throws Exception {
        Path f = usersFile("rw-------", "# the proxy's users", "", "alice:s3cret", "  # indented comment",
                "bob:pass with spaces:and colons ");
        SocksServer s = parse(Map.of(), "--users-file", f.toString(), "--bind", "0.0.0.0");
        assertTrue(s.config.authenticate("alice", "s3cret"));
        assertTrue(s.config.authenticate("bob", "pass with spaces:and colons "));
        assertEquals(2, s.config.users.size());
        assertEquals("", err(), "no warning for a file");
        assertTrue(parse(Map.of(), "--users-file=" + usersFile("r--------", "carol:x")).config.authenticate("carol", "x"));
    }

    @Test
    void refusesAFileGroupOrOthersCanReadNamingTheFileAndItsMode() throws Exception {
        for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----"}) {
            Path f = usersFile(mode, "alice:s3cret");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parse(Map.of(), "--users-file", f.toString()));
            String octal = String.format("%04o", Integer.parseInt(PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f)).replaceAll("[rwx]", "1").replace('-', '0'), 2));
            assertTrue(e.getMessage().startsWith("--users-file " + f + ": permissions " + octal + " are too open"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("chmod 600 " + f), e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"));
        }
        assertEquals(2, SocksServerCommand.run(new String[] {"--users-file", usersFile("rw-r--r--", "a:b")
                .toString()}, out, err, new CountDownLatch(0), Map.of()));
        assertTrue(err().contains("server: --users-file " + dir.resolve("users") + ": permissions 0644 are too open"),
                err());
    }

    @Test
    void namesTheBadLineWithoutShowingIt() throws Exception {
        Path f = usersFile("rw-------", "alice:s3cret", "justapassword");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), "--users-file", f.toString()));
        assertEquals("--users-file " + f + ": line 2: no ':' in the value (expected: NAME:PASSWORD)", e.getMessage());
        Path empty = usersFile("rw-------", "# nobody yet");
        assertEquals("--users-file " + empty + ": no NAME:PASSWORD line in it", assertThrows(
                IllegalArgumentException.class, () -> parse(Map.of(), "--users-file", empty.toString())).getMessage());
        assertEquals("--users-file " + dir.resolve("missing") + ": no such file", assertThrows(
                IllegalArgumentException.class, () -> parse(Map.of(), "--users-file",
                        dir.resolve("missing").toString())).getMessage());
    }

    @Test
    void readsUsersFromTheEnvironment() {
        SocksServer s = parse(Map.of(SocksServerCommand.USERS_ENV, "alice:s3cret, bob:builder"),
                "--bind", "0.0.0.0");
        assertTrue(s.config.authenticate("alice", "s3cret"));
        assertTrue(s.config.authenticate("bob", "builder"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(SocksServerCommand.USERS_ENV, "alice:s3cret,oops")));
        assertEquals("SOCKSIFY_SERVER_USERS: entry 2: no ':' in the value (expected: NAME:PASSWORD)",
                e.getMessage());
    }

    @Test
    void warnsThatAPasswordOnTheCommandLineIsReadableByEveryLocalUser() {
        assertTrue(parse(Map.of(), "--user", "alice:s3cret").config.authenticate("alice", "s3cret"));
        assertTrue(err().contains("warning: --user puts a password in the command line, which every local user "
                + "can read; prefer --users-file FILE or SOCKSIFY_SERVER_USERS"), err());
        assertFalse(err().contains("s3cret"));
    }
}
