package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The guard's call is the first instruction of the running JDK's factory setters, and of nothing else. */
class ImplFactoryHooksTest {

    private static List<String> guardedMethods(String internalName) throws IOException {
        byte[] original;
        try (InputStream in = Object.class.getModule().getResourceAsStream(internalName + ".class")) {
            original = in.readAllBytes();
        }
        List<String> found = new ArrayList<>();
        new ClassReader(TestRewrites.rewrite(internalName, original)).accept(
                new ClassVisitor(Opcodes.ASM9) {
                    @Override
                    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                            String[] exceptions) {
                        return new MethodVisitor(Opcodes.ASM9) {
                            private int instructions;

                            @Override
                            public void visitVarInsn(int opcode, int varIndex) {
                                instructions++;
                            }

                            @Override
                            public void visitMethodInsn(int opcode, String owner, String method, String desc,
                                    boolean itf) {
                                if (instructions++ == 1
                                        && owner.equals("io/socksify/agent/bootstrap/ImplFactoryGuard")) {
                                    found.add(name + ": " + method);
                                }
                            }
                        };
                    }
                }, 0);
        return found;
    }

    @Test
    void guardsSetSocketImplFactory() throws IOException {
        assertEquals(List.of("setSocketImplFactory: socketImplFactory"), guardedMethods("java/net/Socket"));
    }

    @Test
    void guardsSetDatagramSocketImplFactory() throws IOException {
        assertEquals(List.of("setDatagramSocketImplFactory: datagramSocketImplFactory"),
                guardedMethods("java/net/DatagramSocket"));
    }
}
