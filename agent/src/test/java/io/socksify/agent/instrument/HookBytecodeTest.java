package io.socksify.agent.instrument;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.CheckClassAdapter;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every JDK class socksify rewrites, rewritten with the running JDK's rows as the agent does, passes ASM's
 * {@code CheckClassAdapter} (structure, and a data-flow verification of every method with the real class hierarchy,
 * the dispatcher classes included). The build runs it on JDK 17 and, in the surefire execution {@code jdk25}, on JDK
 * 25 ({@code socksify.test.jdkFeature} says which JDK the execution must be on, so a wrong JVM fails it).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HookBytecodeTest {

    @Test
    void runsOnTheJdkTheBuildAskedFor() {
        String expected = System.getProperty("socksify.test.jdkFeature");
        if (expected != null) {
            assertEquals(Integer.parseInt(expected), Runtime.version().feature(), "this execution's JVM");
        }
    }

    @Test
    void everyRewrittenJdkClassPassesCheckClassAdapter() throws IOException {
        Hook[] rows = Hooks.forJdk(Hooks.all(), Runtime.version().feature());
        Set<String> owners = new LinkedHashSet<>();
        for (Hook row : rows) {
            owners.add(row.owner());
        }
        // Socket, NioSocketImpl (and JDK 17's AbstractPlainSocketImpl); three channel classes; DatagramChannelImpl,
        // DatagramSocket; two name services, Net; ProcessImpl; ManagementFactory.
        assertEquals(Runtime.version().feature() == 17 ? 13 : 12, owners.size(), owners.toString());
        StringBuilder problems = new StringBuilder();
        for (String owner : owners) {
            byte[] original = jdkClass(owner);
            byte[] rewritten = ClassRewriter.rewrite(owner, Hooks.ofClass(rows, owner), original);
            assertFalse(java.util.Arrays.equals(original, rewritten), owner + " unchanged");
            String report = check(rewritten);
            if (!report.isEmpty()) {
                problems.append(owner).append(":\n").append(report).append('\n');
            }
        }
        assertEquals("", problems.toString(), "CheckClassAdapter on Runtime " + Runtime.version());
    }

    @Test
    void everyRowNamesAPublicStaticDispatcherMethodOfItsSignature() throws NoSuchMethodException {
        for (Hook row : Hooks.all()) {
            if (row.rewrite == null) {
                assertNotNull(row.dispatchMethod(), row.toString());
            }
        }
    }

    /** The check is no formality: a row pushing a SelectionKeyImpl where the dispatcher wants a SocketChannel. */
    @Test
    void aPrologueOfTheWrongTypeIsCaught() throws IOException {
        Hook wrong = Hook.method(Hooks.SELECTION_KEY, "translateInterestOps", "()I")
                .call(io.socksify.agent.bootstrap.nio.ChannelDispatcher.class, "finishConnectPending",
                        Hook.Exit.RETURN_IF_TRUE, boolean.class, java.nio.channels.SocketChannel.class);
        byte[] rewritten = ClassRewriter.rewrite(Hooks.SELECTION_KEY, new Hook[] {wrong},
                jdkClass(Hooks.SELECTION_KEY));
        String report = check(rewritten);
        assertTrue(report.contains(
                "expected Ljava/nio/channels/SocketChannel;, but found Lsun/nio/ch/SelectionKeyImpl;"), report);
    }

    private static String check(byte[] classFile) {
        StringWriter out = new StringWriter();
        CheckClassAdapter.verify(new ClassReader(classFile), HookBytecodeTest.class.getClassLoader(), false,
                new PrintWriter(out));
        return out.toString();
    }

    private static byte[] jdkClass(String internalName) throws IOException {
        // Class files of named modules are not encapsulated as resources.
        try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
            assertNotNull(in, internalName + " is not in this JDK");
            return in.readAllBytes();
        }
    }
}
