package io.socksify.agent.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AttachCommandTest {
    @TempDir
    Path dir;

    @Test
    void joinsSeparateAndCommaSeparatedOptions() throws IOException {
        assertEquals("proxy=socks5://h:1080,bypass=none",
                AttachCommand.options(new String[] {"proxy=socks5://h:1080", "bypass=none"}));
        assertEquals("proxy=socks5://h:1080,bypass=none",
                AttachCommand.options(new String[] {"proxy=socks5://h:1080,bypass=none"}));
        assertEquals("off", AttachCommand.options(new String[] {"off"}));
        assertEquals("", AttachCommand.options(new String[0]));
    }

    @Test
    void readsOptionsFromAFileSoThatAPasswordStaysOutOfTheProcessList() throws IOException {
        Path file = Files.writeString(dir.resolve("options"),
                "# the proxy\nproxy=socks5://alice:s3cret@h:1080\n\n  bypass=none  \n");
        assertEquals("proxy=socks5://alice:s3cret@h:1080,bypass=none,dns=remote",
                AttachCommand.options(new String[] {"@" + file, "dns=remote"}));
    }
}
