package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.MethodVisitor;

/**
 * A hook that changes instructions inside a method rather than adding a prologue: {@code ProcessImpl.start}'s
 * rewrite ({@link ProcessImplRewrite}) and the MBean server's epilogue. Each class rewrite starts a fresh
 * {@link Pass}, which may count what it changed and refuse the result.
 */
public interface MethodRewrite {
    /** @return the state of one rewrite of one class */
    Pass begin();

    /** One rewrite of one class. */
    interface Pass {
        /**
         * @param mv the writer's visitor for a method the row matches
         * @return the visitor the original method's code goes to (null drops it: the pass wrote a body of its own)
         */
        MethodVisitor method(MethodVisitor mv);

        /** @return null when the class was rewritten as expected, else what was wrong (the class is refused) */
        String failure();
    }
}
