package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Gives {@code java.lang.ProcessImpl.start(String[] cmdarray, Map environment, String dir, Redirect[], boolean)} (the
 * one static method every {@code ProcessBuilder.start} and {@code Runtime.exec} goes through, the same on JDK 17 and
 * 25 for Linux and macOS) a first statement:
 * <pre>
 * environment = ChildProcesses.environment(environment, ProcessEnvironment.emptyEnvironment(0));
 * // the original method
 * </pre>
 * {@code ProcessImpl} casts the map to the package-private {@code ProcessEnvironment.StringEnvironment}, so the copy
 * the dispatcher fills must be made here, in {@code java.lang}; an empty one costs one small allocation per process
 * started. No branch and no member is added, so the class can be retransformed under attach.
 *
 * <p>The call's target, the package-private {@code ProcessEnvironment.emptyEnvironment(int)}, is checked as the class
 * is rewritten (when {@code ProcessImpl} first loads, at the first process started, or at an attach), not when the
 * agent starts: a JDK without it refuses the rewrite, which halts the JVM as that class loads, as for any hook that
 * cannot apply (an attach is refused instead), and a JVM that never starts a process never loads
 * {@code ProcessEnvironment} for the check.
 */
final class ProcessImplRewrite implements MethodRewrite {
    static final String INTERNAL_NAME = "java/lang/ProcessImpl";
    static final String DESCRIPTOR = "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;"
            + "[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;";
    private static final String DISPATCHER = "io/socksify/agent/bootstrap/ChildProcesses";
    private static final String ENVIRONMENT = "java.lang.ProcessEnvironment";

    /** the class that must have {@code static Map emptyEnvironment(int)}: the JDK's, or a test's stand-in */
    private final String environment;

    ProcessImplRewrite() {
        this(ENVIRONMENT);
    }

    ProcessImplRewrite(String environment) {
        this.environment = environment;
    }

    @Override
    public Pass begin() {
        return new Pass() {
            @Override
            public MethodVisitor method(MethodVisitor mv) {
                return new MethodVisitor(Opcodes.ASM9, mv) {
                    @Override
                    public void visitCode() {
                        super.visitCode();
                        visitVarInsn(Opcodes.ALOAD, 1);
                        visitInsn(Opcodes.ICONST_0);
                        visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/ProcessEnvironment", "emptyEnvironment",
                                "(I)Ljava/util/Map;", false);
                        visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "environment",
                                "(Ljava/util/Map;Ljava/util/Map;)Ljava/util/Map;", false);
                        visitVarInsn(Opcodes.ASTORE, 1);
                    }

                    @Override
                    public void visitMaxs(int maxStack, int maxLocals) {
                        super.visitMaxs(Math.max(maxStack, 2), maxLocals);
                    }
                };
            }

            @Override
            public String failure() {
                return emptyEnvironmentMissing();
            }
        };
    }

    /** @return null when the prologue's call resolves in this JDK, else what is missing */
    private String emptyEnvironmentMissing() {
        try {
            java.lang.reflect.Method method = Class.forName(environment, false, null)
                    .getDeclaredMethod("emptyEnvironment", int.class);
            // The call's descriptor names exactly (I)Ljava/util/Map; and it is made from java.lang.ProcessImpl.
            int modifiers = method.getModifiers();
            if (java.lang.reflect.Modifier.isStatic(modifiers) && !java.lang.reflect.Modifier.isPrivate(modifiers)
                    && method.getReturnType() == java.util.Map.class) {
                return null;
            }
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            // reported below
        }
        return "the child-process prologue calls " + environment + ".emptyEnvironment(int), which it lacks";
    }
}
