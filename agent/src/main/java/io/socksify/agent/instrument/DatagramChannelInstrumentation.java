package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * Routes UDP: gives the methods of {@code sun.nio.ch.DatagramChannelImpl} through which every datagram of a
 * {@code DatagramChannel} or {@code DatagramSocket} passes (the socket is an adaptor over the channel since JDK 15,
 * JEP 373) a prologue that calls the boot-loaded {@code io.socksify.agent.bootstrap.udp.DatagramDispatcher} and
 * returns early when socksify did the work. {@code agent/UDP-DESIGN.md} says why these methods. Written out:
 * <pre>
 * int send(ByteBuffer src, SocketAddress target)  { long r = D.send(this, src, target);
 *                                                    if (r != PASS_COUNT) return (int) r; ... }
 * SocketAddress receive(ByteBuffer dst)            { Object r = D.receive(this, dst);
 *                                                    if (r != PASS) return (SocketAddress) r; ... }
 * int read(ByteBuffer) / long read(ByteBuffer[], int, int) / int write(ByteBuffer) / long write(ByteBuffer[], int, int)
 *                                                  { the same as send, with D.read, D.readScattering, ... }
 * DatagramChannel connect(SocketAddress sa, boolean check)
 *                                                  { if (D.connect(this, sa, check)) return this; ... }
 * SocketAddress blockingReceive(ByteBuffer, long)  (JDK 17, the socket adaptor's receive) { as receive }
 * void blockingReceive(DatagramPacket, long)       (JDK 25, the same) { if (D.blockingReceivePacket(...)) return; ... }
 * void implCloseSelectableChannel()                { D.closed(this); ... }
 * </pre>
 * Plain ASM (bundled in Byte Buddy), like the socket and channel transformers: fixed prologues, no start-up cost for
 * Byte Buddy's type machinery, and no member added, so the already loaded class can be retransformed.
 */
public final class DatagramChannelInstrumentation implements ClassFileTransformer {
    public static final String TYPE = "sun.nio.ch.DatagramChannelImpl";
    static final String INTERNAL_NAME = "sun/nio/ch/DatagramChannelImpl";
    private static final String DISPATCHER = "io/socksify/agent/bootstrap/udp/DatagramDispatcher";
    private static final String CHANNEL = "Ljava/nio/channels/DatagramChannel;";
    private static final String BUFFER = "Ljava/nio/ByteBuffer;";
    private static final String BUFFERS = "[Ljava/nio/ByteBuffer;";
    private static final String ADDRESS = "Ljava/net/SocketAddress;";
    private static final String OBJECT = "Ljava/lang/Object;";

    /** What the dispatcher's answer means. */
    private enum Exit {
        /** a long: PASS_COUNT = run the original, else return it (as the method's int or long) */
        COUNT_UNLESS_PASS,
        /** an object: PASS = run the original, else return it (null included) */
        OBJECT_UNLESS_PASS,
        /** a boolean: true = return {@code this} */
        THIS_IF_TRUE,
        /** a boolean: true = return (void) */
        RETURN_IF_TRUE,
        /** nothing: the original always runs */
        NOTIFY
    }

    /** @param group hooks of one group are alternatives: exactly one of them must exist on the JDK */
    private record Hook(String name, String descriptor, String dispatch, String dispatchDescriptor, Exit exit,
            String group) {
    }

    private static final List<Hook> HOOKS = List.of(
            new Hook("send", "(" + BUFFER + ADDRESS + ")I",
                    "send", "(" + CHANNEL + BUFFER + ADDRESS + ")J", Exit.COUNT_UNLESS_PASS, "send"),
            new Hook("receive", "(" + BUFFER + ")" + ADDRESS,
                    "receive", "(" + CHANNEL + BUFFER + ")" + OBJECT, Exit.OBJECT_UNLESS_PASS, "receive"),
            new Hook("read", "(" + BUFFER + ")I",
                    "read", "(" + CHANNEL + BUFFER + ")J", Exit.COUNT_UNLESS_PASS, "read"),
            new Hook("read", "(" + BUFFERS + "II)J",
                    "readScattering", "(" + CHANNEL + BUFFERS + "II)J", Exit.COUNT_UNLESS_PASS, "readScattering"),
            new Hook("write", "(" + BUFFER + ")I",
                    "write", "(" + CHANNEL + BUFFER + ")J", Exit.COUNT_UNLESS_PASS, "write"),
            new Hook("write", "(" + BUFFERS + "II)J",
                    "writeGathering", "(" + CHANNEL + BUFFERS + "II)J", Exit.COUNT_UNLESS_PASS, "writeGathering"),
            new Hook("connect", "(" + ADDRESS + "Z)Ljava/nio/channels/DatagramChannel;",
                    "connect", "(" + CHANNEL + ADDRESS + "Z)Z", Exit.THIS_IF_TRUE, "connect"),
            new Hook("blockingReceive", "(" + BUFFER + "J)" + ADDRESS,
                    "blockingReceive", "(" + CHANNEL + BUFFER + "J)" + OBJECT, Exit.OBJECT_UNLESS_PASS,
                    "blockingReceive"),
            new Hook("blockingReceive", "(Ljava/net/DatagramPacket;J)V",
                    "blockingReceivePacket", "(" + CHANNEL + "Ljava/net/DatagramPacket;J)Z", Exit.RETURN_IF_TRUE,
                    "blockingReceive"),
            new Hook("implCloseSelectableChannel", "()V",
                    "closed", "(" + CHANNEL + ")V", Exit.NOTIFY, "close"));

    private volatile int transformations;
    private volatile Throwable error;

    /**
     * Registers the transformer and retransforms {@code DatagramChannelImpl} (loaded without initialising it if it is
     * not yet), then checks the hooks went in: a JVM whose datagrams cannot be routed must not run.
     */
    public static void install(Instrumentation instrumentation)
            throws ClassNotFoundException, UnmodifiableClassException {
        DatagramChannelInstrumentation transformer = new DatagramChannelInstrumentation();
        instrumentation.addTransformer(transformer, true);
        instrumentation.retransformClasses(Class.forName(TYPE, false, null));
        if (transformer.error != null || transformer.transformations == 0) {
            throw new IllegalStateException(TYPE + " was not instrumented"
                    + (transformer.error == null ? "" : ": " + transformer.error));
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || !INTERNAL_NAME.equals(className)) {
            return null;
        }
        try {
            byte[] result = rewrite(classfileBuffer);
            transformations++;
            return result;
        } catch (RuntimeException | LinkageError e) {
            error = e;
            return null;
        }
    }

    static byte[] rewrite(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        List<Hook> found = new ArrayList<>();
        // EXPAND_FRAMES: the prologues add frames of their own, which must be in the same (expanded) form.
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                if ((access & (Opcodes.ACC_STATIC | Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                    return mv;
                }
                for (Hook hook : HOOKS) {
                    if (hook.name.equals(name) && hook.descriptor.equals(descriptor)) {
                        found.add(hook);
                        return new Prologue(mv, hook);
                    }
                }
                return mv;
            }
        }, ClassReader.EXPAND_FRAMES);
        List<String> groups = new ArrayList<>();
        for (Hook hook : HOOKS) {
            if (!groups.contains(hook.group)) {
                groups.add(hook.group);
            }
        }
        for (String group : groups) {
            int n = 0;
            for (Hook h : found) {
                if (h.group.equals(group)) {
                    n++;
                }
            }
            if (n != 1) {
                throw new IllegalStateException(TYPE + " has " + n + " methods " + group + " of the expected shapes"
                        + " on this JDK (expected: 1)");
            }
        }
        return writer.toByteArray();
    }

    /** Emits one hook's prologue at the start of the method. */
    private static final class Prologue extends HookPrologue {
        private final Exit exit;

        Prologue(MethodVisitor mv, Hook hook) {
            // A count answer is duplicated and compared with a long constant: 6 slots.
            super(mv, INTERNAL_NAME, hook.descriptor, DISPATCHER, hook.dispatch, hook.dispatchDescriptor, 6);
            this.exit = hook.exit;
        }

        @Override
        void exit(Label original) {
            switch (exit) {
                case COUNT_UNLESS_PASS -> {
                    Label drop = new Label();
                    visitInsn(Opcodes.DUP2);
                    visitLdcInsn(Long.MIN_VALUE);
                    visitInsn(Opcodes.LCMP);
                    visitJumpInsn(Opcodes.IFEQ, drop);
                    if (returnType.getSort() == Type.INT) {
                        visitInsn(Opcodes.L2I);
                        visitInsn(Opcodes.IRETURN);
                    } else {
                        visitInsn(Opcodes.LRETURN);
                    }
                    visitLabel(drop);
                    dropFrame(Opcodes.LONG);
                    visitInsn(Opcodes.POP2);
                }
                case OBJECT_UNLESS_PASS -> {
                    Label drop = new Label();
                    visitInsn(Opcodes.DUP);
                    visitFieldInsn(Opcodes.GETSTATIC, DISPATCHER, "PASS", OBJECT);
                    visitJumpInsn(Opcodes.IF_ACMPEQ, drop);
                    visitTypeInsn(Opcodes.CHECKCAST, returnType.getInternalName());
                    visitInsn(Opcodes.ARETURN);
                    visitLabel(drop);
                    dropFrame("java/lang/Object");
                    visitInsn(Opcodes.POP);
                }
                case THIS_IF_TRUE -> {
                    visitJumpInsn(Opcodes.IFEQ, original);
                    visitVarInsn(Opcodes.ALOAD, 0);
                    visitInsn(Opcodes.ARETURN);
                }
                case RETURN_IF_TRUE -> {
                    visitJumpInsn(Opcodes.IFEQ, original);
                    visitInsn(Opcodes.RETURN);
                }
                case NOTIFY -> {
                    // Nothing returned: the original runs.
                }
            }
        }
    }
}
