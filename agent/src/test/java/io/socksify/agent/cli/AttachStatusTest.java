package io.socksify.agent.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttachStatusTest {
    @TempDir
    Path dir;

    @Test
    void appendsTheStatusFileAndTheTargetSplitsItOffAgain() throws IOException {
        Path file = dir.resolve("s.status");
        String args = AttachStatus.withStatusFile("proxy=socks5://127.0.0.1:1080,bypass=none", file);
        assertEquals("proxy=socks5://127.0.0.1:1080,bypass=none,attachStatus=" + file, args);

        AttachStatus status = AttachStatus.parse(args);
        assertEquals("proxy=socks5://127.0.0.1:1080,bypass=none", status.options());
        status.ok("routing through socks5://127.0.0.1:1080");
        assertEquals(new AttachStatus.Result(true, "routing through socks5://127.0.0.1:1080"),
                AttachStatus.Result.read(file));
    }

    @Test
    void carriesOffAndOnAndEmptyOptions() {
        Path file = dir.resolve("s.status");
        assertEquals("off", AttachStatus.parse(AttachStatus.withStatusFile("off", file)).options());
        assertEquals("", AttachStatus.parse(AttachStatus.withStatusFile("", file)).options());
        assertEquals("attachStatus=" + file, AttachStatus.withStatusFile(null, file));
    }

    @Test
    void errorReachesTheAttacherOnOneLine() throws IOException {
        Path file = dir.resolve("s.status");
        AttachStatus status = AttachStatus.parse(AttachStatus.withStatusFile("proxy=bad", file));
        assertTrue(status.error("socksify: bad value for proxy\nsecond line"));
        AttachStatus.Result result = AttachStatus.Result.read(file);
        assertFalse(result.ok());
        assertEquals("socksify: bad value for proxy second line", result.message());
    }

    @Test
    void withoutAStatusFileNothingIsWrittenAndTheFailureMustBeThrown() {
        AttachStatus status = AttachStatus.parse("proxy=socks5://127.0.0.1:1080");
        assertEquals("proxy=socks5://127.0.0.1:1080", status.options());
        assertFalse(status.error("reason"));
        assertNull(AttachStatus.parse(null).options());
    }

    @Test
    void anEmptyFileMeansTheTargetNeverConfirmed() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.status"));
        assertNull(AttachStatus.Result.read(file));
    }

    @Test
    void refusesAPathWithACommaWhichWouldSplitTheOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttachStatus.withStatusFile("off", dir.resolve("a,b.status")));
        assertTrue(e.getMessage().contains("comma"), e.getMessage());
    }
}
