package io.socksify.agent.install;

import io.socksify.agent.instrument.Hooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one transformer: what it leaves alone, what it rewrites, and what it remembers of a class it cannot hook. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HookTransformerTest {
    private static final String SELECTION_KEY = Hooks.SELECTION_KEY;

    private static byte[] jdkClass(String internalName) throws IOException {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
            return in.readAllBytes();
        }
    }

    private static HookTransformer transformer() {
        return new HookTransformer(Hooks.forJdk(Hooks.all(), Runtime.version().feature()));
    }

    @Test
    void leavesClassesOutsideTheTableAndOtherLoadersAlone() throws IOException {
        HookTransformer t = transformer();
        byte[] bytes = jdkClass(SELECTION_KEY);
        assertNull(t.transform(null, null, "java/lang/Object", null, null, jdkClass("java/lang/Object")));
        // The same name from an application's loader is not the JDK's class.
        assertNull(t.transform(null, HookTransformerTest.class.getClassLoader(), SELECTION_KEY, null, null, bytes));
        assertFalse(t.rewritten(SELECTION_KEY));
    }

    @Test
    void rewritesAHookedBootClassAndRemembersIt() throws IOException {
        HookTransformer t = transformer();
        assertNotNull(t.transform(null, null, SELECTION_KEY, null, null, jdkClass(SELECTION_KEY)));
        assertTrue(t.rewritten(SELECTION_KEY));
        assertNull(t.failure(SELECTION_KEY));
    }

    /** Before the lifecycle arms it (at installation) a failure is recorded for the check, and the class unchanged. */
    @Test
    void remembersWhyAClassCouldNotBeHooked() throws IOException {
        HookTransformer t = transformer();
        // Another class's bytes under the hooked name: none of the rows finds its method.
        assertNull(t.transform(null, null, SELECTION_KEY, null, null, jdkClass("java/lang/Object")));
        assertFalse(t.rewritten(SELECTION_KEY));
        assertTrue(t.failure(SELECTION_KEY).contains("has no translateInterestOps()I"), t.failure(SELECTION_KEY));
    }
}
