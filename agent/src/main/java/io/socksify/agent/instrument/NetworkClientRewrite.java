package io.socksify.agent.instrument;

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
final class NetworkClientRewrite implements MethodRewrite {
    static final String TYPE = "sun.net.NetworkClient";
    static final String INTERNAL_NAME = "sun/net/NetworkClient";

    @Override
    public Pass begin() {
        return new Pass() {
            @Override
            public MethodVisitor method(MethodVisitor mv) {
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

            @Override
            public String failure() {
                return null;
            }
        };
    }
}
