package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prologue goes first into the running JDK's own {@code ProcessImpl.start} (the ITs run it on JDK 17 and 25):
 * the empty environment made in {@code java.lang}, the dispatcher's call, the result stored over the parameter.
 */
@Timeout(10)
class ProcessImplRewriteTest {

    private static byte[] jdkClass(String internalName) throws IOException {
        try (InputStream in = Object.class.getModule().getResourceAsStream(internalName + ".class")) {
            return in.readAllBytes();
        }
    }

    /** The first instructions of {@code start}, as "opcode owner.name" or "opcode var". */
    private static List<String> prologue(byte[] classFile) {
        List<String> out = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                if (!name.equals("start") || (access & Opcodes.ACC_STATIC) == 0) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitVarInsn(int opcode, int var) {
                        add(opcode + " " + var);
                    }

                    @Override
                    public void visitInsn(int opcode) {
                        add(String.valueOf(opcode));
                    }

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        add(opcode + " " + owner + "." + method);
                    }

                    private void add(String insn) {
                        if (out.size() < 5) {
                            out.add(insn);
                        }
                    }
                };
            }
        }, 0);
        return out;
    }

    @Test
    void startBeginsWithTheDispatchersCall() throws IOException {
        byte[] rewritten = TestRewrites.rewrite(ProcessImplRewrite.INTERNAL_NAME, jdkClass("java/lang/ProcessImpl"));
        assertEquals(List.of(Opcodes.ALOAD + " 1", String.valueOf(Opcodes.ICONST_0),
                Opcodes.INVOKESTATIC + " java/lang/ProcessEnvironment.emptyEnvironment",
                Opcodes.INVOKESTATIC + " io/socksify/agent/bootstrap/ChildProcesses.environment",
                Opcodes.ASTORE + " 1"), prologue(rewritten));
    }

    @Test
    void aClassWithoutStartIsRefusedNamingTheMethod() throws IOException {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ClassRewriter.rewrite(ProcessImplRewrite.INTERNAL_NAME, Hooks.children(),
                        jdkClass("java/lang/Object")));
        assertTrue(e.getMessage().contains("java.lang.ProcessImpl has no start("), e.getMessage());
    }

    @Test
    void aJdkWithoutTheEmptyEnvironmentFactoryIsRefusedNamingIt() throws IOException {
        // java.lang.Object stands in for a ProcessEnvironment without emptyEnvironment(int).
        Hook[] rows = {Hook.staticMethod(ProcessImplRewrite.INTERNAL_NAME, "start", ProcessImplRewrite.DESCRIPTOR)
                .rewrite(new ProcessImplRewrite("java.lang.Object"))};
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ClassRewriter.rewrite(ProcessImplRewrite.INTERNAL_NAME, rows, jdkClass("java/lang/ProcessImpl")));
        assertTrue(e.getMessage().contains("java.lang.Object.emptyEnvironment(int)"), e.getMessage());
    }
}
