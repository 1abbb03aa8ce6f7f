package io.socksify.agent.instrument;

import io.socksify.agent.Log;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps every copy of Netty, under whatever relocation prefix a library shaded it, off its native transports.
 * Recognised by name when a class is loaded (these are application classes, so only a transformer sees them all):
 * <ul>
 *   <li>{@code …netty.channel.epoll.Epoll}, {@code …netty.channel.kqueue.KQueue},
 *       {@code …netty.incubator.channel.uring.IOUring}, {@code …netty.channel.uring.IoUring}, when they have the
 *       shape of Netty's (a static {@code Throwable UNAVAILABILITY_CAUSE}, {@code isAvailable()},
 *       {@code ensureAvailability()}, {@code unavailabilityCause()}): in the static initialiser the value read from
 *       the copy's {@code noNative} switch passes through {@code NettyDispatcher.noNative} (so the native library
 *       is not even loaded) and the value stored in {@code UNAVAILABILITY_CAUSE} through
 *       {@code NettyDispatcher.unavailabilityCause} (a cause naming socksify). The library then takes its NIO
 *       transport, which socksify routes. A user who sets the copy's own switch keeps their choice.</li>
 *   <li>the Java methods that hand an inet destination to the kernel: {@code …netty.channel.unix.Socket}'s
 *       {@code connect}, {@code sendTo}, {@code sendToAddress}, {@code sendToAddresses} (datagrams and TCP fast open),
 *       epoll's {@code NativeDatagramPacketArray.add0} ({@code sendmmsg}), io_uring's {@code SockaddrIn.set} /
 *       {@code write} (every io_uring connect and {@code sendmsg}), kqueue's {@code BsdSocket.connectx}: a
 *       one-call prologue passes the destination to {@code NettyDispatcher.connect} / {@code send}, which throws
 *       unless it is bypassed. Unix-domain addresses pass untouched.</li>
 * </ul>
 * Only code is added, no member, so classes loaded before an attach are retransformed; their static initialiser
 * has run by then, and the connect guard is what holds there.
 */
public final class NettyNativeTransformer implements ClassFileTransformer {
    private static final String DISPATCHER = "io/socksify/agent/bootstrap/netty/NettyDispatcher";
    private static final String CAUSE_FIELD = "UNAVAILABILITY_CAUSE";
    private static final String THROWABLE = "Ljava/lang/Throwable;";
    private static final String NO_NATIVE_TAIL = "netty.transport.noNative";

    /** The transports' classes, from Netty's own {@code netty/} on. */
    private static final Set<String> TRANSPORTS = Set.of("netty/channel/epoll/Epoll", "netty/channel/kqueue/KQueue",
            "netty/incubator/channel/uring/IOUring", "netty/channel/uring/IoUring");

    /** The guarded classes, from {@code netty/} on, and the names of their guarded methods. */
    private static final Map<String, Set<String>> GUARDED = Map.of(
            "netty/channel/unix/Socket", Set.of("connect", "sendTo", "sendToAddress", "sendToAddresses"),
            "netty/channel/epoll/NativeDatagramPacketArray", Set.of("add0", "add"),
            "netty/channel/uring/SockaddrIn", Set.of("set"),
            "netty/incubator/channel/uring/SockaddrIn", Set.of("write"),
            "netty/channel/kqueue/BsdSocket", Set.of("connectx"));

    private final Instrumentation instrumentation;
    private final Module dispatcherModule;

    private NettyNativeTransformer(Instrumentation instrumentation) {
        this.instrumentation = instrumentation;
        this.dispatcherModule = NettyNativeTransformer.class.getModule();
    }

    /**
     * Registers the transformer; when attaching, retransforms the Netty classes already loaded (at JVM start there
     * are none, and looking through the loaded classes would cost start-up time).
     */
    public static void install(Instrumentation instrumentation, boolean attaching) throws UnmodifiableClassException {
        NettyNativeTransformer transformer = new NettyNativeTransformer(instrumentation);
        instrumentation.addTransformer(transformer, true);
        if (!attaching) {
            return;
        }
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : instrumentation.getAllLoadedClasses()) {
            if (kind(c.getName().replace('.', '/')) != null && instrumentation.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
        }
    }

    /**
     * @return the suffix from {@code netty/} on when {@code className} is a transport or guarded class of some copy
     *         of Netty, else null (cheap: this runs for every class loaded)
     */
    static String kind(String className) {
        int slash = className.lastIndexOf('/');
        switch (className.substring(slash + 1)) {
            case "Epoll", "KQueue", "IOUring", "IoUring", "Socket", "NativeDatagramPacketArray", "SockaddrIn",
                    "BsdSocket" -> {
            }
            default -> {
                return null;
            }
        }
        int netty = className.lastIndexOf("netty/", slash);
        while (netty >= 0) {
            if (netty == 0 || className.charAt(netty - 1) == '/') {
                String suffix = className.substring(netty);
                if (TRANSPORTS.contains(suffix) || GUARDED.containsKey(suffix)) {
                    return suffix;
                }
            }
            netty = className.lastIndexOf("netty/", netty - 1);
        }
        return null;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (className == null) {
            return null;
        }
        String suffix = kind(className);
        if (suffix == null) {
            return null;
        }
        try {
            byte[] result = TRANSPORTS.contains(suffix) ? rewriteTransport(className, suffix, classfileBuffer)
                    : rewriteGuarded(className, GUARDED.get(suffix), classfileBuffer);
            if (result != null && module != null && module.isNamed() && !module.canRead(dispatcherModule)) {
                // Netty on the module path: its module must read the boot loader's unnamed one to call the dispatcher.
                instrumentation.redefineModule(module, Set.of(dispatcherModule), Map.of(), Map.of(), Set.of(),
                        Map.of());
            }
            return result;
        } catch (RuntimeException | LinkageError e) {
            Log.get("socksify").warn("cannot instrument Netty class {} ({}); its native transport is not guarded",
                    className.replace('/', '.'), e.toString());
            return null;
        }
    }

    /** Null when the class does not have the shape of Netty's transport class (then it is left alone). */
    static byte[] rewriteTransport(String className, String suffix, byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        Set<String> members = new HashSet<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public FieldVisitor visitField(int access, String name, String descriptor, String signature,
                    Object value) {
                if ((access & Opcodes.ACC_STATIC) != 0) {
                    members.add(name + ":" + descriptor);
                }
                return null;
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                if ((access & Opcodes.ACC_STATIC) != 0) {
                    members.add(name + descriptor);
                }
                return null;
            }
        }, ClassReader.SKIP_CODE);
        if (!members.containsAll(Set.of(CAUSE_FIELD + ":" + THROWABLE, "isAvailable()Z", "ensureAvailability()V",
                "unavailabilityCause()" + THROWABLE, "<clinit>()V"))) {
            return null;
        }
        String transport = className.replace('/', '.');
        String dottedSuffix = suffix.replace('/', '.');
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                return name.equals("<clinit>") ? new TransportInitialiser(mv, className, transport, dottedSuffix) : mv;
            }
        }, 0);
        return writer.toByteArray();
    }

    /** Rewrites what the static initialiser reads from the switch and what it stores as the cause. */
    private static final class TransportInitialiser extends MethodVisitor {
        private final String owner;
        private final String transport;
        private final String suffix;
        private boolean switchNamed;

        TransportInitialiser(MethodVisitor mv, String owner, String transport, String suffix) {
            super(Opcodes.ASM9, mv);
            this.owner = owner;
            this.transport = transport;
            this.suffix = suffix;
        }

        @Override
        public void visitLdcInsn(Object value) {
            super.visitLdcInsn(value);
            switchNamed = value instanceof String s && s.endsWith(NO_NATIVE_TAIL);
        }

        @Override
        public void visitInsn(int opcode) {
            super.visitInsn(opcode);
            // SystemPropertyUtil.getBoolean(name, false): the default's ICONST_0 comes between.
            switchNamed = switchNamed && opcode == Opcodes.ICONST_0;
        }

        @Override
        public void visitMethodInsn(int opcode, String methodOwner, String name, String descriptor,
                boolean isInterface) {
            super.visitMethodInsn(opcode, methodOwner, name, descriptor, isInterface);
            if (switchNamed && opcode == Opcodes.INVOKESTATIC && methodOwner.endsWith("/SystemPropertyUtil")
                    && name.equals("getBoolean") && descriptor.equals("(Ljava/lang/String;Z)Z")) {
                pushNames();
                super.visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "noNative",
                        "(ZLjava/lang/String;Ljava/lang/String;)Z", false);
            }
            switchNamed = false;
        }

        @Override
        public void visitFieldInsn(int opcode, String fieldOwner, String name, String descriptor) {
            if (opcode == Opcodes.PUTSTATIC && fieldOwner.equals(owner) && name.equals(CAUSE_FIELD)
                    && descriptor.equals(THROWABLE)) {
                pushNames();
                super.visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "unavailabilityCause",
                        "(" + THROWABLE + "Ljava/lang/String;Ljava/lang/String;)" + THROWABLE, false);
            }
            switchNamed = false;
            super.visitFieldInsn(opcode, fieldOwner, name, descriptor);
        }

        @Override
        public void visitVarInsn(int opcode, int varIndex) {
            switchNamed = false;
            super.visitVarInsn(opcode, varIndex);
        }

        private void pushNames() {
            super.visitLdcInsn(transport);
            super.visitLdcInsn(suffix);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 2, maxLocals);
        }
    }

    /** Gives each guarded method that takes an inet destination a one-call prologue. */
    static byte[] rewriteGuarded(String className, Set<String> methods, byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        String javaName = className.replace('/', '.');
        boolean[] changed = new boolean[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0 || !methods.contains(name)) {
                    return mv;
                }
                GuardPrologue prologue = GuardPrologue.of(mv, access, descriptor, javaName + "." + name);
                if (prologue == null) {
                    return mv;
                }
                changed[0] = true;
                return prologue;
            }
        }, 0);
        return changed[0] ? writer.toByteArray() : null;
    }

    /**
     * {@code NettyDispatcher.connect(address, site)} or {@code NettyDispatcher.send(inetAddress, port, site)} as the
     * method's first instruction: straight-line code that leaves the stack empty, so no frame changes.
     */
    private static final class GuardPrologue extends MethodVisitor {
        private final int slot;
        private final boolean withPort;
        private final String site;

        private GuardPrologue(MethodVisitor mv, int slot, boolean withPort, String site) {
            super(Opcodes.ASM9, mv);
            this.slot = slot;
            this.withPort = withPort;
            this.site = site;
        }

        /** The destination is the last socket address argument, or the last inet address followed by an int port. */
        static GuardPrologue of(MethodVisitor mv, int access, String descriptor, String site) {
            Type[] arguments = Type.getArgumentTypes(descriptor);
            int slot = (access & Opcodes.ACC_STATIC) != 0 ? 0 : 1;
            int found = -1;
            boolean withPort = false;
            for (int i = 0; i < arguments.length; i++) {
                String d = arguments[i].getDescriptor();
                if (d.equals("Ljava/net/SocketAddress;") || d.equals("Ljava/net/InetSocketAddress;")) {
                    found = slot;
                    withPort = false;
                } else if (d.equals("Ljava/net/InetAddress;") && i + 1 < arguments.length
                        && arguments[i + 1].getSort() == Type.INT) {
                    found = slot;
                    withPort = true;
                }
                slot += arguments[i].getSize();
            }
            return found < 0 ? null : new GuardPrologue(mv, found, withPort, site);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            super.visitVarInsn(Opcodes.ALOAD, slot);
            if (withPort) {
                super.visitVarInsn(Opcodes.ILOAD, slot + 1);
                super.visitLdcInsn(site);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "send",
                        "(Ljava/net/InetAddress;ILjava/lang/String;)V", false);
            } else {
                super.visitLdcInsn(site);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "connect",
                        "(Ljava/net/SocketAddress;Ljava/lang/String;)V", false);
            }
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(Math.max(maxStack, 3), maxLocals);
        }
    }
}
