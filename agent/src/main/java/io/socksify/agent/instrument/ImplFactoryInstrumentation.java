package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.lang.reflect.Field;
import java.security.ProtectionDomain;

/**
 * Gives {@code Socket.setSocketImplFactory(SocketImplFactory)} and
 * {@code DatagramSocket.setDatagramSocketImplFactory(DatagramSocketImplFactory)} (the same static methods, both
 * declaring {@code IOException}, on JDK 17 and 25) one call into the boot-loaded guard as their first instruction:
 * <pre>
 * ImplFactoryGuard.socketImplFactory(fac);          // throws SocketException while socksify routes
 * // the original method
 * </pre>
 * A factory would give every later socket an implementation socksify does not hook; see {@code ImplFactoryGuard}.
 * No branch and no member is added: the loaded classes are retransformed.
 */
public final class ImplFactoryInstrumentation implements ClassFileTransformer {
    private static final String GUARD = "io/socksify/agent/bootstrap/ImplFactoryGuard";
    private static final String SOCKET = "java/net/Socket";
    private static final String DATAGRAM_SOCKET = "java/net/DatagramSocket";

    private volatile boolean socket;
    private volatile boolean datagramSocket;
    private volatile Throwable error;

    /**
     * Instruments both setters, and refuses to install when the application has set a {@code SocketImplFactory}
     * already (an attach to a running JVM): its sockets could not be routed. The datagram factory is checked by UDP
     * routing, which knows whether UDP goes direct.
     */
    public static void install(Instrumentation instrumentation)
            throws ReflectiveOperationException, UnmodifiableClassException {
        Class<?> socket = Class.forName("java.net.Socket", false, null);
        Class<?> datagramSocket = Class.forName("java.net.DatagramSocket", false, null);
        Field factory = socket.getDeclaredField("factory");
        factory.setAccessible(true); // java.net is open to the agent from installation on
        if (factory.get(null) != null) {
            throw new IllegalStateException("the application set a SocketImplFactory (" + factory.get(null)
                    + "): its sockets could not be routed");
        }
        ImplFactoryInstrumentation transformer = new ImplFactoryInstrumentation();
        instrumentation.addTransformer(transformer, true);
        instrumentation.retransformClasses(socket, datagramSocket);
        if (transformer.error != null || !transformer.socket || !transformer.datagramSocket) {
            throw new IllegalStateException("Socket.setSocketImplFactory and"
                    + " DatagramSocket.setDatagramSocketImplFactory were not instrumented"
                    + (transformer.error == null ? "" : ": " + transformer.error));
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || !(SOCKET.equals(className) || DATAGRAM_SOCKET.equals(className))) {
            return null;
        }
        try {
            byte[] result = rewrite(className, classfileBuffer);
            if (SOCKET.equals(className)) {
                socket = true;
            } else {
                datagramSocket = true;
            }
            return result;
        } catch (RuntimeException | LinkageError e) {
            error = e;
            return null;
        }
    }

    static byte[] rewrite(String internalName, byte[] classFile) {
        String method = SOCKET.equals(internalName) ? "setSocketImplFactory" : "setDatagramSocketImplFactory";
        String descriptor = SOCKET.equals(internalName) ? "(Ljava/net/SocketImplFactory;)V"
                : "(Ljava/net/DatagramSocketImplFactory;)V";
        String guardMethod = SOCKET.equals(internalName) ? "socketImplFactory" : "datagramSocketImplFactory";
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] found = new boolean[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                if (!method.equals(name) || !descriptor.equals(desc) || (access & Opcodes.ACC_STATIC) == 0) {
                    return mv;
                }
                found[0] = true;
                return new MethodVisitor(Opcodes.ASM9, mv) {
                    @Override
                    public void visitCode() {
                        super.visitCode();
                        visitVarInsn(Opcodes.ALOAD, 0);
                        visitMethodInsn(Opcodes.INVOKESTATIC, GUARD, guardMethod, "(Ljava/lang/Object;)V", false);
                    }

                    @Override
                    public void visitMaxs(int maxStack, int maxLocals) {
                        super.visitMaxs(Math.max(maxStack, 1), Math.max(maxLocals, 1));
                    }
                };
            }
        }, 0);
        if (!found[0]) {
            throw new IllegalStateException(internalName.replace('/', '.') + " has no static " + method + descriptor
                    + " on this JDK");
        }
        return writer.toByteArray();
    }
}
