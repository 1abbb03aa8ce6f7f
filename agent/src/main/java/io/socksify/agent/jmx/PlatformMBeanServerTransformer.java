package io.socksify.agent.jmx;

import io.socksify.agent.bootstrap.MetricsExport;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import javax.management.MBeanServer;

/**
 * Registers socksify's MBean the first time the JVM creates its platform MBean server, for a JVM started with the
 * agent. {@code ManagementFactory.getPlatformMBeanServer()} gets an epilogue before each {@code ARETURN}:
 * <pre>
 * MetricsExport.platformMBeanServer(result);   // result stays on the stack and is returned
 * </pre>
 * That is the path of the application's own JMX use, of {@code -Dcom.sun.management.jmxremote}, and of the local
 * management agent that {@code jconsole} and {@code socksify status} start. {@code ManagementFactory} is transformed
 * when it loads: a JVM that never loads it pays one name comparison per loaded class.
 */
public final class PlatformMBeanServerTransformer implements ClassFileTransformer {
    static final String INTERNAL_NAME = "java/lang/management/ManagementFactory";
    static final String METHOD = "getPlatformMBeanServer";
    static final String DESCRIPTOR = "()Ljavax/management/MBeanServer;";
    private static final String EXPORT = "io/socksify/agent/bootstrap/MetricsExport";
    private static final String EXPORT_DESCRIPTOR = "(Ljavax/management/MBeanServer;)V";

    private PlatformMBeanServerTransformer() {
    }

    /**
     * Arranges lazy registration; does nothing on a runtime without {@code java.management}. Never throws: metrics
     * must not stop a JVM from starting routed.
     *
     * @param agentModule the module of the boot-loaded agent classes, which {@code java.management} must read to
     *                    call {@link MetricsExport}
     */
    public static void install(Instrumentation instrumentation, Module agentModule) {
        Module management = ModuleLayer.boot().findModule("java.management").orElse(null);
        if (management == null) {
            return;
        }
        try {
            instrumentation.redefineModule(management, Set.of(agentModule), Map.of(), Map.of(), Set.of(), Map.of());
            MetricsExport.install(new Exporter());
            instrumentation.addTransformer(new PlatformMBeanServerTransformer(), false);
        } catch (RuntimeException e) {
            System.err.println("socksify: no MBean " + AgentMBean.NAME + " in this JVM (routing is not affected): "
                    + e);
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || !INTERNAL_NAME.equals(className)) {
            return null;
        }
        try {
            return rewrite(classfileBuffer);
        } catch (RuntimeException | LinkageError e) {
            // Without the epilogue the MBean stays unregistered; routing is not affected.
            return null;
        }
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
                if (METHOD.equals(name) && DESCRIPTOR.equals(descriptor) && (access & Opcodes.ACC_STATIC) != 0) {
                    found[0] = true;
                    return new ExportEpilogue(mv);
                }
                return mv;
            }
        }, 0);
        if (!found[0]) {
            throw new IllegalStateException("ManagementFactory has no static getPlatformMBeanServer() on this JDK");
        }
        return writer.toByteArray();
    }

    /** Inserts the call before every {@code ARETURN}; adds no branch, so no stack map frame changes. */
    private static final class ExportEpilogue extends MethodVisitor {
        ExportEpilogue(MethodVisitor mv) {
            super(Opcodes.ASM9, mv);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.ARETURN) {
                super.visitInsn(Opcodes.DUP);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, EXPORT, "platformMBeanServer", EXPORT_DESCRIPTOR, false);
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 1, maxLocals);
        }
    }

    /** {@link AgentMBean#register}; a class rather than a method reference, which would spin a class at start-up. */
    private static final class Exporter implements Consumer<MBeanServer> {
        @Override
        public void accept(MBeanServer server) {
            AgentMBean.register(server);
        }
    }
}
