package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code HttpURLConnection} (and the JDK's other {@code NetworkClient}s) connect through {@code sun.net.NetworkClient},
 * whose {@code createSocket()} returns {@code new Socket(Proxy.NO_PROXY)} once the {@code ProxySelector} has said
 * "direct": a socket without {@code SocksSocketImpl}, which socksify would leave alone as the application's explicit
 * choice. It is rewritten to return {@code new Socket()}, so those connections are routed like any other (bypass
 * rules still apply; {@code HttpsClient} overrides the method with its SSL socket factory, already routed). The FTP
 * client is no {@code NetworkClient}: {@link FtpClientRewrite} covers it.
 */
final class NetworkClientRewrite {
    static final String TYPE = "sun.net.NetworkClient";
    static final String INTERNAL_NAME = "sun/net/NetworkClient";

    private NetworkClientRewrite() {
    }

    static byte[] rewrite(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] found = new boolean[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                if (!"createSocket".equals(name) || !"()Ljava/net/Socket;".equals(descriptor)
                        || (access & Opcodes.ACC_STATIC) != 0) {
                    return mv;
                }
                found[0] = true;
                mv.visitCode();
                mv.visitTypeInsn(Opcodes.NEW, "java/net/Socket");
                mv.visitInsn(Opcodes.DUP);
                mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/net/Socket", "<init>", "()V", false);
                mv.visitInsn(Opcodes.ARETURN);
                mv.visitMaxs(2, 1);
                mv.visitEnd();
                // null: the original body is not copied.
                return null;
            }
        }, 0);
        if (!found[0]) {
            throw new IllegalStateException(TYPE + " has no createSocket() on this JDK");
        }
        return writer.toByteArray();
    }
}
