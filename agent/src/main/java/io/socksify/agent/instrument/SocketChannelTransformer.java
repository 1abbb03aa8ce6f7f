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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes NIO channels: gives seven methods of {@code sun.nio.ch} (identical in JDK 17 and 25) a prologue that calls
 * the boot-loaded {@code io.socksify.agent.bootstrap.nio.ChannelDispatcher} and returns early when it says so.
 * {@code agent/NIO-DESIGN.md} says why these methods. Written out, the prologues are:
 * <pre>
 * SocketChannelImpl
 *   boolean connect(SocketAddress a)         { int r = D.connect(this, a);  if (r &gt;= 0) return r != 0; ... }
 *   void blockingConnect(SocketAddress a, long nanos)
 *                                            { if (D.blockingConnect(this, a, nanos)) return; ... }
 *   boolean finishConnect()                  { if (D.finishConnectPending(this)) return false; ... }
 *   boolean translateReadyOps(int ops, int initialOps, SelectionKeyImpl k)
 *                                            { int r = D.translateReadyOps(this, ops, initialOps, k);
 *                                              if (r &gt;= 0) return r != 0; ... }
 * SelectionKeyImpl
 *   int translateInterestOps()               { int r = D.interestEvents(this); if (r &gt;= 0) return r; ... }
 * AsynchronousSocketChannelImpl
 *   Future connect(SocketAddress a)          { Future f = D.connectAsync(this, a); if (f != null) return f; ... }
 *   void connect(SocketAddress a, Object att, CompletionHandler h)
 *                                            { if (D.connectAsync(this, a, att, h)) return; ... }
 * </pre>
 * Plain ASM (bundled in Byte Buddy) rather than {@code Advice}, as for {@code SocksSocketImpl}: fixed prologues,
 * and no start-up cost for Byte Buddy's type machinery. No member is added, so already loaded classes can be
 * retransformed.
 */
public final class SocketChannelTransformer implements ClassFileTransformer {
    public static final String SOCKET_CHANNEL = "sun/nio/ch/SocketChannelImpl";
    public static final String SELECTION_KEY = "sun/nio/ch/SelectionKeyImpl";
    public static final String ASYNC_SOCKET_CHANNEL = "sun/nio/ch/AsynchronousSocketChannelImpl";
    private static final String DISPATCHER = "io/socksify/agent/bootstrap/nio/ChannelDispatcher";
    private static final String CHANNEL = "Ljava/nio/channels/SocketChannel;";
    private static final String KEY = "Ljava/nio/channels/SelectionKey;";
    private static final String ASYNC = "Ljava/nio/channels/AsynchronousSocketChannel;";
    private static final String ADDRESS = "Ljava/net/SocketAddress;";

    /** What the dispatcher's answer means. */
    private enum Exit {
        /** an int: negative = run the original, else return it (as the method's int or boolean) */
        INT_IF_NOT_NEGATIVE,
        /** a boolean: true = return at once (void, or false for a boolean method) */
        RETURN_IF_TRUE,
        /** an object: non-null = return it */
        OBJECT_IF_NOT_NULL
    }

    private record Hook(String owner, String name, String descriptor, String dispatch, String dispatchDescriptor,
            Exit exit) {
    }

    private static final List<Hook> HOOKS = List.of(
            new Hook(SOCKET_CHANNEL, "connect", "(" + ADDRESS + ")Z",
                    "connect", "(" + CHANNEL + ADDRESS + ")I", Exit.INT_IF_NOT_NEGATIVE),
            new Hook(SOCKET_CHANNEL, "blockingConnect", "(" + ADDRESS + "J)V",
                    "blockingConnect", "(" + CHANNEL + ADDRESS + "J)Z", Exit.RETURN_IF_TRUE),
            new Hook(SOCKET_CHANNEL, "finishConnect", "()Z",
                    "finishConnectPending", "(" + CHANNEL + ")Z", Exit.RETURN_IF_TRUE),
            new Hook(SOCKET_CHANNEL, "translateReadyOps", "(IILsun/nio/ch/SelectionKeyImpl;)Z",
                    "translateReadyOps", "(" + CHANNEL + "II" + KEY + ")I", Exit.INT_IF_NOT_NEGATIVE),
            new Hook(SELECTION_KEY, "translateInterestOps", "()I",
                    "interestEvents", "(" + KEY + ")I", Exit.INT_IF_NOT_NEGATIVE),
            new Hook(ASYNC_SOCKET_CHANNEL, "connect", "(" + ADDRESS + ")Ljava/util/concurrent/Future;",
                    "connectAsync", "(" + ASYNC + ADDRESS + ")Ljava/util/concurrent/Future;",
                    Exit.OBJECT_IF_NOT_NULL),
            new Hook(ASYNC_SOCKET_CHANNEL, "connect",
                    "(" + ADDRESS + "Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)V",
                    "connectAsync", "(" + ASYNC + ADDRESS + "Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)Z",
                    Exit.RETURN_IF_TRUE));

    private static final Set<String> OWNERS = Set.of(SOCKET_CHANNEL, SELECTION_KEY, ASYNC_SOCKET_CHANNEL);

    private final Map<String, String> transformed = new ConcurrentHashMap<>();
    private volatile Throwable error;

    /**
     * Registers the transformer and applies it to the three classes (loading them if needed, without initialising),
     * then checks every hook went in: routing only some channels would let others out directly.
     */
    public static void install(Instrumentation instrumentation)
            throws ClassNotFoundException, UnmodifiableClassException {
        SocketChannelTransformer transformer = new SocketChannelTransformer();
        instrumentation.addTransformer(transformer, true);
        List<Class<?>> classes = new ArrayList<>();
        for (String owner : OWNERS) {
            classes.add(Class.forName(owner.replace('/', '.'), false, null));
        }
        instrumentation.retransformClasses(classes.toArray(new Class<?>[0]));
        if (transformer.error != null || transformer.transformed.size() != OWNERS.size()) {
            throw new IllegalStateException("NIO channels were not instrumented (" + transformer.transformed.keySet()
                    + " of " + OWNERS + ")" + (transformer.error == null ? "" : ": " + transformer.error));
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || className == null || !OWNERS.contains(className)) {
            return null;
        }
        try {
            byte[] result = rewrite(className, classfileBuffer);
            transformed.put(className, className);
            return result;
        } catch (RuntimeException | LinkageError e) {
            error = e;
            return null;
        }
    }

    static byte[] rewrite(String className, byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        List<Hook> missing = new ArrayList<>();
        for (Hook hook : HOOKS) {
            if (hook.owner.equals(className)) {
                missing.add(hook);
            }
        }
        // EXPAND_FRAMES: the prologues add frames of their own, which must be in the same (expanded) form.
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                if ((access & (Opcodes.ACC_STATIC | Opcodes.ACC_ABSTRACT)) != 0) {
                    return mv;
                }
                for (int i = 0; i < missing.size(); i++) {
                    Hook hook = missing.get(i);
                    if (hook.name.equals(name) && hook.descriptor.equals(descriptor)) {
                        // By index: remove(Object) would call the record's equals, whose invokedynamic bootstrap
                        // spins dozens of method-handle classes at start-up.
                        missing.remove(i);
                        return new Prologue(mv, className, hook);
                    }
                }
                return mv;
            }
        }, ClassReader.EXPAND_FRAMES);
        if (!missing.isEmpty()) {
            Hook hook = missing.get(0);
            throw new IllegalStateException(className.replace('/', '.') + " has no " + hook.name + hook.descriptor
                    + " on this JDK");
        }
        return writer.toByteArray();
    }

    /** Emits one hook's prologue at the start of the method. */
    private static final class Prologue extends HookPrologue {
        private final Exit exit;

        Prologue(MethodVisitor mv, String owner, Hook hook) {
            // The exit at most duplicates the one-slot answer.
            super(mv, owner, hook.descriptor, DISPATCHER, hook.dispatch, hook.dispatchDescriptor, 2);
            this.exit = hook.exit;
        }

        @Override
        void exit(Label original) {
            switch (exit) {
                case RETURN_IF_TRUE -> {
                    visitJumpInsn(Opcodes.IFEQ, original);
                    if (returnType.getSort() == Type.VOID) {
                        visitInsn(Opcodes.RETURN);
                    } else {
                        visitInsn(Opcodes.ICONST_0);
                        visitInsn(Opcodes.IRETURN);
                    }
                }
                case INT_IF_NOT_NEGATIVE -> {
                    Label drop = new Label();
                    visitInsn(Opcodes.DUP);
                    visitJumpInsn(Opcodes.IFLT, drop);
                    visitInsn(Opcodes.IRETURN);
                    visitLabel(drop);
                    dropFrame(Opcodes.INTEGER);
                    visitInsn(Opcodes.POP);
                }
                case OBJECT_IF_NOT_NULL -> {
                    Label drop = new Label();
                    visitInsn(Opcodes.DUP);
                    visitJumpInsn(Opcodes.IFNULL, drop);
                    visitInsn(Opcodes.ARETURN);
                    visitLabel(drop);
                    dropFrame(returnType.getInternalName());
                    visitInsn(Opcodes.POP);
                }
            }
        }
    }
}
