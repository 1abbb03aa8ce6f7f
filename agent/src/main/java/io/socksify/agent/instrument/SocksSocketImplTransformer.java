package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.net.InetSocketAddress;
import java.net.SocketImpl;
import java.security.ProtectionDomain;

/**
 * Routes {@code java.net.Socket}: every {@code Socket} the application creates without an explicit
 * {@link java.net.Proxy} (including {@code SSLSocket}s and {@code HttpURLConnection}'s sockets) has a
 * {@code java.net.SocksSocketImpl} around the platform impl, on JDK 17 and 25 alike. Its
 * {@code connect(SocketAddress, int)} is where the JDK would consult the {@code ProxySelector}; socksify takes over
 * there when the field {@code server} is null ({@code Socket(Proxy)} with a SOCKS proxy sets it: the application's
 * own proxy is kept; {@code Proxy.NO_PROXY} sockets have no SocksSocketImpl at all).
 *
 * <p>The method gets this prologue, one call into the boot-loaded dispatcher (the advice, written out):
 * <pre>
 * if (server == null) {
 *     InetSocketAddress connected = Dispatcher.connectSocket(delegate, endpoint, timeout);
 *     if (connected != null) { external_address = connected; return; }   // getInetAddress() etc. report it
 * }
 * // the original method: the JDK connects (a bypassed destination)
 * </pre>
 * It is written with the ASM bundled in Byte Buddy rather than with Byte Buddy's {@code Advice}: the prologue is
 * fixed, and Byte Buddy's agent builder loads about 1000 classes at start, which cost about 200 ms per JVM here.
 *
 * <p>The same transformer rewrites {@code sun.net.NetworkClient.createSocket()} ({@link NetworkClientRewrite}) and
 * {@code sun.net.ftp.impl.FtpClient}'s socket constructions ({@link FtpClientRewrite}), whose {@code Proxy.NO_PROXY}
 * sockets would otherwise let {@code HttpURLConnection} and {@code ftp://} URLs go out directly. See
 * SOCKET-DESIGN.md.
 */
public final class SocksSocketImplTransformer implements ClassFileTransformer {
    public static final String TYPE = "java.net.SocksSocketImpl";
    static final String INTERNAL_NAME = "java/net/SocksSocketImpl";
    static final String METHOD = "connect";
    static final String DESCRIPTOR = "(Ljava/net/SocketAddress;I)V";
    private static final String DISPATCHER = "io/socksify/agent/bootstrap/Dispatcher";
    private static final String DISPATCH_DESCRIPTOR =
            "(Ljava/net/SocketImpl;Ljava/net/SocketAddress;I)Ljava/net/InetSocketAddress;";

    private volatile boolean transformed;
    private volatile boolean networkClientTransformed;
    private volatile boolean ftpClientTransformed;
    private volatile Throwable error;

    /** Checks by reflection (no access needed) that the fields the prologue reads and writes exist as expected. */
    public static void checkTargetShape() throws ReflectiveOperationException {
        Class<?> socks = Class.forName(TYPE, false, null);
        require(socks.getDeclaredField("server").getType() == String.class, "server");
        require(socks.getDeclaredField("external_address").getType() == InetSocketAddress.class, "external_address");
        require(socks.getSuperclass().getDeclaredField("delegate").getType() == SocketImpl.class, "delegate");
    }

    private static void require(boolean ok, String field) {
        if (!ok) {
            throw new IllegalStateException(TYPE + "." + field + " has an unexpected type on this JDK");
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null) {
            return null;
        }
        try {
            if (INTERNAL_NAME.equals(className)) {
                byte[] result = rewrite(classfileBuffer);
                transformed = true;
                return result;
            }
            if (NetworkClientRewrite.INTERNAL_NAME.equals(className)) {
                byte[] result = NetworkClientRewrite.rewrite(classfileBuffer);
                networkClientTransformed = true;
                return result;
            }
            if (FtpClientRewrite.INTERNAL_NAME.equals(className)) {
                byte[] result = FtpClientRewrite.rewrite(classfileBuffer);
                ftpClientTransformed = true;
                return result;
            }
            return null;
        } catch (RuntimeException | LinkageError e) {
            error = e;
            return null;
        }
    }

    /** The classes to retransform at installation, already loaded or loaded now. */
    public static Class<?>[] targets() throws ClassNotFoundException {
        return new Class<?>[] {Class.forName(TYPE, false, null), Class.forName(NetworkClientRewrite.TYPE, false, null),
            Class.forName(FtpClientRewrite.TYPE, false, null)};
    }

    /** @return whether the last transformation of every target succeeded */
    public boolean transformed() {
        return transformed && networkClientTransformed && ftpClientTransformed && error == null;
    }

    public Throwable error() {
        return error;
    }

    static byte[] rewrite(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] found = new boolean[1];
        // EXPAND_FRAMES: the prologue adds frames of its own, which must be in the same (expanded) form.
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                if (METHOD.equals(name) && DESCRIPTOR.equals(descriptor) && (access & Opcodes.ACC_STATIC) == 0) {
                    found[0] = true;
                    return new ConnectPrologue(mv);
                }
                return mv;
            }
        }, ClassReader.EXPAND_FRAMES);
        if (!found[0]) {
            throw new IllegalStateException(TYPE + " has no connect(SocketAddress, int) on this JDK");
        }
        return writer.toByteArray();
    }

    /** Emits the prologue at the start of {@code connect(SocketAddress, int)}. */
    private static final class ConnectPrologue extends MethodVisitor {
        private static final Object[] ENTRY_LOCALS = {INTERNAL_NAME, "java/net/SocketAddress", Opcodes.INTEGER};

        ConnectPrologue(MethodVisitor mv) {
            super(Opcodes.ASM9, mv);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            Label dropResult = new Label();
            Label original = new Label();
            visitVarInsn(Opcodes.ALOAD, 0);
            visitFieldInsn(Opcodes.GETFIELD, INTERNAL_NAME, "server", "Ljava/lang/String;");
            visitJumpInsn(Opcodes.IFNONNULL, original);
            visitVarInsn(Opcodes.ALOAD, 0);
            visitFieldInsn(Opcodes.GETFIELD, INTERNAL_NAME, "delegate", "Ljava/net/SocketImpl;");
            visitVarInsn(Opcodes.ALOAD, 1);
            visitVarInsn(Opcodes.ILOAD, 2);
            visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "connectSocket", DISPATCH_DESCRIPTOR, false);
            visitInsn(Opcodes.DUP);
            visitJumpInsn(Opcodes.IFNULL, dropResult);
            visitVarInsn(Opcodes.ALOAD, 0);
            visitInsn(Opcodes.SWAP);
            visitFieldInsn(Opcodes.PUTFIELD, INTERNAL_NAME, "external_address", "Ljava/net/InetSocketAddress;");
            visitInsn(Opcodes.RETURN);
            visitLabel(dropResult);
            visitFrame(Opcodes.F_NEW, 3, ENTRY_LOCALS, 1, new Object[] {"java/net/InetSocketAddress"});
            visitInsn(Opcodes.POP);
            visitLabel(original);
            visitFrame(Opcodes.F_NEW, 3, ENTRY_LOCALS, 0, new Object[0]);
            // A NOP keeps this frame apart from one the original code may have at its first instruction.
            visitInsn(Opcodes.NOP);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(Math.max(maxStack, 3), Math.max(maxLocals, 3));
        }
    }
}
