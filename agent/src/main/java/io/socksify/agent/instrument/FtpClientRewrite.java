package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * {@code ftp://} URLs connect through {@code sun.net.ftp.impl.FtpClient}, which is no {@code NetworkClient}: when the
 * {@code ProxySelector} says "direct", {@code FtpURLConnection} hands it {@code Proxy.NO_PROXY}, and it opens both
 * the control connection ({@code doConnect}) and the passive data connections
 * ({@code openPassiveDataConnection}) with {@code new Socket(Proxy.NO_PROXY)}: sockets without
 * {@code SocksSocketImpl}, which socksify would leave alone. Every such construction is rewritten to
 * {@code new Socket()}, so those connections are routed like any other (bypass rules still apply):
 * <pre>
 * NEW java/net/Socket; DUP; GETSTATIC java/net/Proxy.NO_PROXY; INVOKESPECIAL java/net/Socket.&lt;init&gt;(Proxy)
 *   becomes
 * NEW java/net/Socket; DUP;                                     INVOKESPECIAL java/net/Socket.&lt;init&gt;()
 * </pre>
 * The same two instructions on JDK 17 and 25; no member is added, so the loaded class can be retransformed. The
 * class is refused unless at least one was found and no other {@code Proxy.NO_PROXY} is left in the class: a JDK that
 * builds its FTP sockets differently must not run with them unrouted.
 */
final class FtpClientRewrite implements MethodRewrite {
    static final String TYPE = "sun.net.ftp.impl.FtpClient";
    static final String INTERNAL_NAME = "sun/net/ftp/impl/FtpClient";
    private static final String PROXY = "java/net/Proxy";
    private static final String SOCKET = "java/net/Socket";

    @Override
    public Pass begin() {
        int[] counts = new int[2]; // [0] rewritten, [1] a NO_PROXY left as it was
        return new Pass() {
            @Override
            public MethodVisitor method(MethodVisitor mv) {
                return new NoProxySocket(mv, counts);
            }

            @Override
            public String failure() {
                return counts[0] == 0 || counts[1] != 0
                        ? "does not build its sockets with new Socket(Proxy.NO_PROXY) (" + counts[0] + " found, "
                                + counts[1] + " other uses of NO_PROXY)"
                        : null;
            }
        };
    }

    /**
     * Holds back a {@code GETSTATIC Proxy.NO_PROXY} until the next instruction: dropped when that is
     * {@code Socket.<init>(Proxy)} (which then becomes {@code Socket.<init>()}), emitted as it was otherwise. The
     * stack shrinks by one at that point, so the existing max stack and frames stay valid.
     */
    private static final class NoProxySocket extends MethodVisitor {
        private final int[] counts;
        private boolean held;

        NoProxySocket(MethodVisitor mv, int[] counts) {
            super(Opcodes.ASM9, mv);
            this.counts = counts;
        }

        private void release() {
            if (held) {
                held = false;
                counts[1]++;
                super.visitFieldInsn(Opcodes.GETSTATIC, PROXY, "NO_PROXY", "Ljava/net/Proxy;");
            }
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            release();
            if (opcode == Opcodes.GETSTATIC && PROXY.equals(owner) && "NO_PROXY".equals(name)) {
                held = true;
                return;
            }
            super.visitFieldInsn(opcode, owner, name, descriptor);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            if (held && opcode == Opcodes.INVOKESPECIAL && SOCKET.equals(owner) && "<init>".equals(name)
                    && "(Ljava/net/Proxy;)V".equals(descriptor)) {
                held = false;
                counts[0]++;
                super.visitMethodInsn(opcode, owner, name, "()V", isInterface);
                return;
            }
            release();
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
        }

        @Override
        public void visitInsn(int opcode) {
            release();
            super.visitInsn(opcode);
        }

        @Override
        public void visitIntInsn(int opcode, int operand) {
            release();
            super.visitIntInsn(opcode, operand);
        }

        @Override
        public void visitVarInsn(int opcode, int varIndex) {
            release();
            super.visitVarInsn(opcode, varIndex);
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            release();
            super.visitTypeInsn(opcode, type);
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle handle,
                Object... arguments) {
            release();
            super.visitInvokeDynamicInsn(name, descriptor, handle, arguments);
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            release();
            super.visitJumpInsn(opcode, label);
        }

        @Override
        public void visitLabel(Label label) {
            release();
            super.visitLabel(label);
        }

        @Override
        public void visitLdcInsn(Object value) {
            release();
            super.visitLdcInsn(value);
        }

        @Override
        public void visitIincInsn(int varIndex, int increment) {
            release();
            super.visitIincInsn(varIndex, increment);
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
            release();
            super.visitTableSwitchInsn(min, max, dflt, labels);
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
            release();
            super.visitLookupSwitchInsn(dflt, keys, labels);
        }

        @Override
        public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
            release();
            super.visitMultiANewArrayInsn(descriptor, numDimensions);
        }

        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            release();
            super.visitFrame(type, numLocal, local, numStack, stack);
        }

        @Override
        public void visitLineNumber(int line, Label start) {
            release();
            super.visitLineNumber(line, start);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            release();
            super.visitMaxs(maxStack, maxLocals);
        }
    }
}
