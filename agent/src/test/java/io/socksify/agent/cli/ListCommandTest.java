package io.socksify.agent.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListCommandTest {
    @Test
    void showsTheMainClassOrJarWithoutArguments() {
        assertEquals("com.example.Main", ListCommand.main("com.example.Main --password secret"));
        assertEquals("/opt/app/app.jar", ListCommand.main("/opt/app/app.jar serve"));
        assertEquals("(unknown)", ListCommand.main(""));
        assertEquals("(unknown)", ListCommand.main(null));
    }

    @Test
    void listsThisUsersJvmsWithAHeader() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = ListCommand.run(new String[0], new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, exit);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("PID"), text);
        // The listing leaves out the JVM it runs in.
        assertTrue(!text.contains("\n" + ProcessHandle.current().pid() + " "), text);
    }

    @Test
    void rejectsABadPidBeforeAttaching() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, AttachCommand.run(new String[] {"12x"}, System.out, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("'12x' is not a process id"), err.toString());
        assertEquals(2, StatusCommand.run(new String[0], System.out, errStream));
        assertEquals(2, AttachCommand.run(new String[0], System.out, errStream));
    }
}
