package io.socksify.agent.jmx;

import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.instrument.TestRewrites;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentMBeanTest {
    @Test
    void showsConfigurationWithoutPasswordAndMovingCounters() throws Exception {
        AgentConfig config = AgentConfig.parse("proxy=socks5://alice:s3cret@127.0.0.1:1080,bypass=none",
                new Properties());
        AgentMBean.configured(config, "1.2.3", false);
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        AgentMBean.register(server);
        ObjectName name = new ObjectName(AgentMBean.NAME);
        assertTrue(server.isRegistered(name));

        long routed = (Long) server.getAttribute(name, "ConnectionsRouted");
        Metrics.CONNECTIONS_ROUTED.increment();
        Metrics.failed(new java.net.ConnectException("refused"));
        assertEquals(routed + 1, server.getAttribute(name, "ConnectionsRouted"));
        TabularData failures = (TabularData) server.getAttribute(name, "FailuresByReason");
        assertFalse(failures.isEmpty());

        assertEquals("agentmain", server.getAttribute(name, "InstalledBy"));
        assertEquals(true, server.getAttribute(name, "Routing"));
        String configuration = (String) server.getAttribute(name, "Configuration");
        assertTrue(configuration.contains("socks5://alice:****@127.0.0.1:1080"), configuration);
        assertFalse(configuration.contains("s3cret"), configuration);
        assertEquals("socks5://alice:****@127.0.0.1:1080", server.getAttribute(name, "Proxy"));
    }

    @Test
    void epilogueHandsEveryPlatformServerToTheExporter() throws IOException {
        byte[] original;
        try (InputStream in = ClassLoader.getSystemResourceAsStream("java/lang/management/ManagementFactory.class")) {
            original = in.readAllBytes();
        }
        List<String> calls = new ArrayList<>();
        byte[] rewritten = TestRewrites.rewrite(PlatformMBeanServerHook.INTERNAL_NAME, original);
        new ClassReader(rewritten).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                if (!name.equals(PlatformMBeanServerHook.METHOD)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        calls.add(owner + "." + method);
                    }
                };
            }
        }, 0);
        assertTrue(calls.contains("io/socksify/agent/bootstrap/MetricsExport.platformMBeanServer"), calls.toString());
    }
}
