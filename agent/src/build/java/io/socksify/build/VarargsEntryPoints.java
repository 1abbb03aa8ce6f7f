package io.socksify.build;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A build step (the agent's {@code process-classes} phase runs it as a source file): sets {@code ACC_VARARGS} on the
 * agent's {@code premain(String, Instrumentation)} and {@code agentmain(String, Instrumentation)}.
 *
 * <p>The JVM calls them through core reflection. Since JDK 18 reflection invokes through method handles, which on a
 * starting JVM spins seven {@code LambdaForm} classes for that one call (about 4 ms of every start on JDK 25 on a
 * quiet machine, before any socksify code runs). For a method flagged variable-arity whose last parameter is no
 * array, the JDK's reflection uses its native accessor instead ({@code MethodHandleAccessorFactory.useNativeAccessor}:
 * "Such restriction does not exist in core reflection and the JVM, which always use fixed-arity invocations"), so the
 * flag spares the spinning and changes nothing else: the JVM checks nothing about it, and the JDK's agent launcher
 * looks the methods up by name and parameter types. javac cannot write the flag on such a method, hence this step.
 *
 * <p>Usage: {@code java -cp <byte-buddy> VarargsEntryPoints.java <AgentMain.class>}; it is idempotent, and fails when
 * the class lacks either entry point (a renamed method would otherwise silently lose the saving).
 */
public final class VarargsEntryPoints {
    private static final String DESCRIPTOR = "(Ljava/lang/String;Ljava/lang/instrument/Instrumentation;)V";

    private VarargsEntryPoints() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: VarargsEntryPoints <class file>");
        }
        Path file = Path.of(args[0]);
        ClassReader reader = new ClassReader(Files.readAllBytes(file));
        ClassWriter writer = new ClassWriter(reader, 0);
        int[] flagged = new int[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                boolean entryPoint = (name.equals("premain") || name.equals("agentmain"))
                        && descriptor.equals(DESCRIPTOR) && (access & Opcodes.ACC_STATIC) != 0;
                if (entryPoint) {
                    flagged[0]++;
                }
                return super.visitMethod(entryPoint ? access | Opcodes.ACC_VARARGS : access, name, descriptor,
                        signature, exceptions);
            }
        }, 0);
        if (flagged[0] != 2) {
            throw new IllegalStateException(file + ": expected static premain and agentmain " + DESCRIPTOR
                    + ", found " + flagged[0]);
        }
        Files.write(file, writer.toByteArray());
    }
}
