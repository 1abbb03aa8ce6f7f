package io.socksify.agent.instrument;

/** Rewrites a class file with the rows the hook table has for it on the running JDK, as the agent would. */
public final class TestRewrites {
    private TestRewrites() {
    }

    public static byte[] rewrite(String internalName, byte[] classFile) {
        Hook[] rows = Hooks.ofClass(Hooks.forJdk(Hooks.all(), Runtime.version().feature()), internalName);
        if (rows.length == 0) {
            throw new AssertionError("no hook rows for " + internalName);
        }
        return ClassRewriter.rewrite(internalName, rows, classFile);
    }
}
