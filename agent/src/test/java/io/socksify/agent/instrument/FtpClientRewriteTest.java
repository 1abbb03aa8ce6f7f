package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The running JDK's {@code FtpClient} (the build runs this on JDK 17; {@code FtpThroughProxyIT} loads it into 17 and
 * 25) builds its control and data sockets with {@code new Socket()} once rewritten, and a class without
 * {@code new Socket(Proxy.NO_PROXY)} is refused.
 */
class FtpClientRewriteTest {

    private static byte[] jdkClass(String internalName) throws IOException {
        try (InputStream in = Object.class.getModule().getResourceAsStream(internalName + ".class")) {
            return in.readAllBytes();
        }
    }

    /** "method: Socket.<init>descriptor" for every socket construction, and "method: NO_PROXY" for every read of it. */
    private static List<String> socketsAndNoProxy(byte[] classFile) {
        List<String> found = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (owner.equals("java/net/Socket") && method.equals("<init>")) {
                            found.add(name + ": Socket" + desc);
                        }
                    }

                    @Override
                    public void visitFieldInsn(int opcode, String owner, String field, String desc) {
                        if (owner.equals("java/net/Proxy") && field.equals("NO_PROXY")) {
                            found.add(name + ": NO_PROXY");
                        }
                    }
                };
            }
        }, 0);
        return found;
    }

    @Test
    void controlAndDataSocketsBecomePlainSockets() throws IOException {
        byte[] original = jdkClass(FtpClientRewrite.INTERNAL_NAME);
        List<String> before = socketsAndNoProxy(original);
        assertTrue(before.contains("doConnect: NO_PROXY"), before.toString());
        assertTrue(before.contains("openPassiveDataConnection: NO_PROXY"), before.toString());

        List<String> after = socketsAndNoProxy(TestRewrites.rewrite(FtpClientRewrite.INTERNAL_NAME, original));
        assertTrue(after.stream().noneMatch(s -> s.endsWith("NO_PROXY")), after.toString());
        assertEquals(before.stream().filter(s -> s.endsWith("Socket()V")).count() + 2,
                after.stream().filter(s -> s.endsWith("Socket()V")).count(), after.toString());
        assertEquals(before.stream().filter(s -> s.endsWith("Socket(Ljava/net/Proxy;)V")).count() - 2,
                after.stream().filter(s -> s.endsWith("Socket(Ljava/net/Proxy;)V")).count(), after.toString());
    }

    @Test
    void refusesAClassWithoutNoProxySockets() {
        ClassWriter empty = new ClassWriter(0);
        empty.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, FtpClientRewrite.INTERNAL_NAME, null, "java/lang/Object", null);
        empty.visitEnd();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestRewrites.rewrite(FtpClientRewrite.INTERNAL_NAME, empty.toByteArray()));
        assertTrue(e.getMessage().contains("sun.net.ftp.impl.FtpClient"), e.getMessage());
    }
}
