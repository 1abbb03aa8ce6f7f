package io.socksify.agent.jmx;

import io.socksify.agent.bootstrap.MetricsExport;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.MethodRewrite;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

import java.util.function.Consumer;
import javax.management.MBeanServer;

/**
 * Registers socksify's MBean the first time the JVM creates its platform MBean server, for a JVM started with the
 * agent. {@code ManagementFactory.getPlatformMBeanServer()} gets an epilogue before each {@code ARETURN}:
 * <pre>
 * MetricsExport.platformMBeanServer(result);   // result stays on the stack and is returned
 * </pre>
 * That is the path of the application's own JMX use, of {@code -Dcom.sun.management.jmxremote}, and of the local
 * management agent that {@code jconsole} and {@code socksify status} start. {@code ManagementFactory} is rewritten
 * when it loads, through the hook table like every other hook; a failure there is reported, not fatal.
 */
public final class PlatformMBeanServerHook implements MethodRewrite {
    static final String INTERNAL_NAME = "java/lang/management/ManagementFactory";
    static final String METHOD = "getPlatformMBeanServer";
    static final String DESCRIPTOR = "()Ljavax/management/MBeanServer;";
    private static final String EXPORT = "io/socksify/agent/bootstrap/MetricsExport";
    private static final String EXPORT_DESCRIPTOR = "(Ljavax/management/MBeanServer;)V";

    /** The hook table's row: optional, since the MBean is no part of routing. */
    public static final Hook ROW = Hook.staticMethod(INTERNAL_NAME, METHOD, DESCRIPTOR).optional()
            .rewrite(new PlatformMBeanServerHook());

    private PlatformMBeanServerHook() {
    }

    /**
     * Prepares lazy registration: hands {@link MetricsExport} the exporter. Never throws: metrics must not stop a
     * JVM from starting routed. ({@code java.management} needs no read edge to the agent's module for the epilogue's
     * call: the JVM adds it as the rewritten {@code ManagementFactory} loads, {@code Modules.transformedByAgent}.)
     *
     * @return whether the row is to be installed (false on a runtime without {@code java.management})
     */
    public static boolean prepare() {
        if (ModuleLayer.boot().findModule("java.management").isEmpty()) {
            return false;
        }
        try {
            MetricsExport.install(new Exporter());
            return true;
        } catch (RuntimeException e) {
            System.err.println("socksify: no MBean " + AgentMBean.NAME + " in this JVM (routing is not affected): "
                    + e);
            return false;
        }
    }

    @Override
    public Pass begin() {
        return new Pass() {
            @Override
            public MethodVisitor method(MethodVisitor mv) {
                return new ExportEpilogue(mv);
            }

            @Override
            public String failure() {
                return null;
            }
        };
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
