package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;

/**
 * Gives {@code java.lang.ProcessImpl.start(String[] cmdarray, Map environment, String dir, Redirect[],
 * boolean)} (the one static method every {@code ProcessBuilder.start} and {@code Runtime.exec} goes through, the
 * same on JDK 17 and 25 for Linux and macOS) one call into the boot-loaded dispatcher as its first instructions:
 * <pre>
 * environment = ChildProcesses.environment(environment, ProcessEnvironment.emptyEnvironment(0));
 * // the original method
 * </pre>
 * {@code ProcessImpl} casts the map to the package-private {@code ProcessEnvironment.StringEnvironment}, so the
 * copy the dispatcher fills must be made here, in {@code java.lang}; an empty one costs one small allocation per
 * process started. No branch and no member is added: the class is retransformed.
 */
public final class ProcessImplInstrumentation implements ClassFileTransformer {
    private static final String TARGET = "java/lang/ProcessImpl";
    private static final String METHOD = "start";
    private static final String DESCRIPTOR = "([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;"
            + "[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;";
    private static final String DISPATCHER = "io/socksify/agent/bootstrap/ChildProcesses";

    private volatile boolean transformed;
    private volatile Throwable error;

    public static void install(Instrumentation instrumentation)
            throws ReflectiveOperationException, UnmodifiableClassException {
        Class<?> processImpl = Class.forName("java.lang.ProcessImpl", false, null);
        // The prologue calls this package-private factory: check it is there before rewriting.
        Class.forName("java.lang.ProcessEnvironment", false, null).getDeclaredMethod("emptyEnvironment", int.class);
        ProcessImplInstrumentation transformer = new ProcessImplInstrumentation();
        instrumentation.addTransformer(transformer, true);
        instrumentation.retransformClasses(processImpl);
        if (transformer.error != null || !transformer.transformed) {
            throw new IllegalStateException("ProcessImpl.start was not instrumented"
                    + (transformer.error == null ? "" : ": " + transformer.error));
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || !TARGET.equals(className)) {
            return null;
        }
        try {
            byte[] result = rewrite(classfileBuffer);
            transformed = true;
            return result;
        } catch (RuntimeException | LinkageError e) {
            error = e;
            return null;
        }
    }

    static byte[] rewrite(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] found = new boolean[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                if (!METHOD.equals(name) || !DESCRIPTOR.equals(desc) || (access & Opcodes.ACC_STATIC) == 0) {
                    return mv;
                }
                found[0] = true;
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
        }, 0);
        if (!found[0]) {
            throw new IllegalStateException("java.lang.ProcessImpl has no static " + METHOD + DESCRIPTOR
                    + " on this JDK");
        }
        return writer.toByteArray();
    }
}
