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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code dns=remote} for names the application resolves itself: prologues in the JDK's two built-in name services
 * (the platform one, and the hosts-file one {@code jdk.net.hosts.file} selects) that ask the boot-loaded
 * {@code io.socksify.agent.bootstrap.dns.NameDispatcher} first and return its placeholder answer, plus two guards in
 * {@code sun.nio.ch} that refuse to connect or send to a placeholder directly. The hooks sit below
 * {@code InetAddress}, so its cache keeps working, and an application's own {@code InetAddressResolverProvider}
 * (JDK 18+) keeps the last word (socksify is then asked only if it delegates to the built-in resolver). Written out:
 * <pre>
 * JDK 17  InetAddress$PlatformNameService, InetAddress$HostsFileNameService
 *   InetAddress[] lookupAllHostAddr(String h)  { InetAddress[] a = D.lookup(h); if (a != null) return a; ... }
 *   String getHostByAddr(byte[] b)             { String n = D.reverse(b); if (n != null) return n; ... }
 * JDK 18+ InetAddress$PlatformResolver, InetAddress$HostsFileResolver
 *   Stream lookupByName(String h, LookupPolicy p)
 *                                              { if (p != null) { Stream s = D.lookup(h, p.characteristics());
 *                                                                 if (s != null) return s; } ... }
 *   String lookupByAddress(byte[] b)           { String n = D.reverse(b); if (n != null) return n; ... }
 * sun.nio.ch.Net
 *   static int connect(ProtocolFamily f, FileDescriptor fd, InetAddress a, int port)
 *                                              { D.checkDirect(a); ... }      every direct TCP and UDP connect
 * sun.nio.ch.DatagramChannelImpl
 *   private int send(FileDescriptor fd, ByteBuffer b, InetSocketAddress t)
 *                                              { D.checkDirect(t); ... }      every datagram sent directly
 * </pre>
 * Both service classes are instrumented whichever one the JVM uses: which it is depends on a system property read once.
 * The methods and their signatures are the same in JDK 17 and 25 for {@code sun.nio.ch}; the name services are
 * picked by name. Prologues only, no member added: already loaded classes are retransformed.
 */
public final class NameServiceTransformer implements ClassFileTransformer {
    private static final String DISPATCHER = "io/socksify/agent/bootstrap/dns/NameDispatcher";
    private static final String JDK17_PLATFORM = "java/net/InetAddress$PlatformNameService";
    private static final String JDK17_HOSTS_FILE = "java/net/InetAddress$HostsFileNameService";
    private static final String PLATFORM = "java/net/InetAddress$PlatformResolver";
    private static final String HOSTS_FILE = "java/net/InetAddress$HostsFileResolver";
    private static final String LOOKUP_POLICY = "java/net/spi/InetAddressResolver$LookupPolicy";
    static final String NET = "sun/nio/ch/Net";
    static final String DATAGRAM_CHANNEL = "sun/nio/ch/DatagramChannelImpl";

    private enum Kind {
        LOOKUP_ARRAY, LOOKUP_STREAM, REVERSE, CHECK_ADDRESS, CHECK_TARGET
    }

    private record Hook(String owner, String name, String descriptor, Kind kind) {
    }

    private static final List<Hook> JDK17_HOOKS = List.of(
            new Hook(JDK17_PLATFORM, "lookupAllHostAddr", "(Ljava/lang/String;)[Ljava/net/InetAddress;",
                    Kind.LOOKUP_ARRAY),
            new Hook(JDK17_PLATFORM, "getHostByAddr", "([B)Ljava/lang/String;", Kind.REVERSE),
            new Hook(JDK17_HOSTS_FILE, "lookupAllHostAddr", "(Ljava/lang/String;)[Ljava/net/InetAddress;",
                    Kind.LOOKUP_ARRAY),
            new Hook(JDK17_HOSTS_FILE, "getHostByAddr", "([B)Ljava/lang/String;", Kind.REVERSE));

    private static final List<Hook> RESOLVER_HOOKS = List.of(
            new Hook(PLATFORM, "lookupByName", "(Ljava/lang/String;L" + LOOKUP_POLICY + ";)Ljava/util/stream/Stream;",
                    Kind.LOOKUP_STREAM),
            new Hook(PLATFORM, "lookupByAddress", "([B)Ljava/lang/String;", Kind.REVERSE),
            new Hook(HOSTS_FILE, "lookupByName",
                    "(Ljava/lang/String;L" + LOOKUP_POLICY + ";)Ljava/util/stream/Stream;", Kind.LOOKUP_STREAM),
            new Hook(HOSTS_FILE, "lookupByAddress", "([B)Ljava/lang/String;", Kind.REVERSE));

    private static final List<Hook> GUARDS = List.of(
            new Hook(NET, "connect", "(Ljava/net/ProtocolFamily;Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)I",
                    Kind.CHECK_ADDRESS),
            new Hook(DATAGRAM_CHANNEL, "send",
                    "(Ljava/io/FileDescriptor;Ljava/nio/ByteBuffer;Ljava/net/InetSocketAddress;)I", Kind.CHECK_TARGET));

    private final List<Hook> hooks;
    private final Set<String> owners = new LinkedHashSet<>();
    private final Map<Hook, Boolean> applied = new ConcurrentHashMap<>();
    private volatile Throwable error;

    NameServiceTransformer(List<Hook> nameServiceHooks) {
        hooks = new ArrayList<>(nameServiceHooks);
        hooks.addAll(GUARDS);
        for (Hook h : hooks) {
            owners.add(h.owner());
        }
    }

    /**
     * Registers the transformer, applies it to the classes of the running JDK (loaded now if needed, without
     * initialising them) and checks every hook went in: a placeholder that could be connected directly, or a
     * lookup that could leave unasked, must not be.
     */
    public static void install(Instrumentation instrumentation)
            throws ClassNotFoundException, UnmodifiableClassException {
        NameServiceTransformer transformer = new NameServiceTransformer(forRunningJdk());
        instrumentation.addTransformer(transformer, true);
        List<Class<?>> classes = new ArrayList<>();
        for (String owner : transformer.owners) {
            classes.add(Class.forName(owner.replace('/', '.'), false, null));
        }
        instrumentation.retransformClasses(classes.toArray(new Class<?>[0]));
        if (transformer.error != null || transformer.applied.size() != transformer.hooks.size()) {
            List<Hook> missing = new ArrayList<>(transformer.hooks);
            missing.removeAll(transformer.applied.keySet());
            throw new IllegalStateException("the name services were not instrumented (missing " + missing + ")"
                    + (transformer.error == null ? "" : ": " + transformer.error));
        }
    }

    private static List<Hook> forRunningJdk() {
        try {
            Class.forName(PLATFORM.replace('/', '.'), false, null);
            return RESOLVER_HOOKS;
        } catch (ClassNotFoundException e) {
            return JDK17_HOOKS;
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || className == null || !owners.contains(className)) {
            return null;
        }
        try {
            return rewrite(className, classfileBuffer);
        } catch (RuntimeException | LinkageError e) {
            error = e;
            return null;
        }
    }

    byte[] rewrite(String className, byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        List<Hook> found = new ArrayList<>();
        // EXPAND_FRAMES: the prologues add frames of their own, which must be in the same (expanded) form.
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                for (Hook h : hooks) {
                    if (h.owner().equals(className) && h.name().equals(name) && h.descriptor().equals(descriptor)) {
                        found.add(h);
                        return new Prologue(mv, h, className, (access & Opcodes.ACC_STATIC) != 0);
                    }
                }
                return mv;
            }
        }, ClassReader.EXPAND_FRAMES);
        for (Hook h : found) {
            applied.put(h, Boolean.TRUE);
        }
        return writer.toByteArray();
    }

    private static final class Prologue extends MethodVisitor {
        private final Hook hook;
        private final Object[] entryLocals;
        private final int argSlot;

        Prologue(MethodVisitor mv, Hook hook, String owner, boolean isStatic) {
            super(Opcodes.ASM9, mv);
            this.hook = hook;
            this.argSlot = isStatic ? 0 : 1;
            List<Object> locals = new ArrayList<>();
            if (!isStatic) {
                locals.add(owner);
            }
            for (Type t : Type.getArgumentTypes(hook.descriptor())) {
                locals.add(switch (t.getSort()) {
                    case Type.INT, Type.BOOLEAN, Type.BYTE, Type.CHAR, Type.SHORT -> Opcodes.INTEGER;
                    case Type.LONG -> Opcodes.LONG;
                    case Type.FLOAT -> Opcodes.FLOAT;
                    case Type.DOUBLE -> Opcodes.DOUBLE;
                    default -> t.getInternalName();
                });
            }
            this.entryLocals = locals.toArray();
        }

        @Override
        public void visitCode() {
            super.visitCode();
            Type returned = Type.getReturnType(hook.descriptor());
            switch (hook.kind()) {
                case CHECK_ADDRESS -> {
                    // Net.connect(ProtocolFamily, FileDescriptor, InetAddress, int): the address is the third.
                    visitVarInsn(Opcodes.ALOAD, argSlot + 2);
                    visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "checkDirect", "(Ljava/net/InetAddress;)V",
                            false);
                    return;
                }
                case CHECK_TARGET -> {
                    // send(FileDescriptor, ByteBuffer, InetSocketAddress): the target is the third.
                    visitVarInsn(Opcodes.ALOAD, argSlot + 2);
                    visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "checkDirect",
                            "(Ljava/net/InetSocketAddress;)V", false);
                    return;
                }
                default -> {
                }
            }
            Label dropResult = new Label();
            Label original = new Label();
            switch (hook.kind()) {
                case LOOKUP_ARRAY -> {
                    visitVarInsn(Opcodes.ALOAD, argSlot);
                    visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "lookup",
                            "(Ljava/lang/String;)[Ljava/net/InetAddress;", false);
                }
                case LOOKUP_STREAM -> {
                    // A null policy: the original throws its NullPointerException.
                    visitVarInsn(Opcodes.ALOAD, argSlot + 1);
                    visitJumpInsn(Opcodes.IFNULL, original);
                    visitVarInsn(Opcodes.ALOAD, argSlot);
                    visitVarInsn(Opcodes.ALOAD, argSlot + 1);
                    visitMethodInsn(Opcodes.INVOKEVIRTUAL, LOOKUP_POLICY, "characteristics", "()I", false);
                    visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "lookup",
                            "(Ljava/lang/String;I)Ljava/util/stream/Stream;", false);
                }
                case REVERSE -> {
                    visitVarInsn(Opcodes.ALOAD, argSlot);
                    visitMethodInsn(Opcodes.INVOKESTATIC, DISPATCHER, "reverse", "([B)Ljava/lang/String;", false);
                }
                default -> throw new IllegalStateException(hook.kind().name());
            }
            visitInsn(Opcodes.DUP);
            visitJumpInsn(Opcodes.IFNULL, dropResult);
            visitInsn(Opcodes.ARETURN);
            visitLabel(dropResult);
            visitFrame(Opcodes.F_NEW, entryLocals.length, entryLocals, 1,
                    new Object[] {returned.getSort() == Type.ARRAY ? returned.getDescriptor()
                            : returned.getInternalName()});
            visitInsn(Opcodes.POP);
            visitLabel(original);
            visitFrame(Opcodes.F_NEW, entryLocals.length, entryLocals, 0, new Object[0]);
            // A NOP keeps this frame apart from one the original code may have at its first instruction.
            visitInsn(Opcodes.NOP);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(Math.max(maxStack, 3), Math.max(maxLocals, entryLocals.length));
        }
    }
}
