package io.socksify.agent.jmx;

import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.config.AgentConfig;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one {@link AgentMXBean} of a JVM. The installer tells it each configuration it activates; it registers itself
 * with the platform MBean server at most once: at attach time, or, for a JVM started with the agent, when something
 * first asks for the platform MBean server (see {@link PlatformMBeanServerHook}). Creating that server costs
 * about 200 ms, which a JVM that never uses JMX should not pay for socksify.
 */
public final class AgentMBean implements AgentMXBean {
    public static final String NAME = "io.socksify:type=Agent";

    private static final AgentMBean INSTANCE = new AgentMBean();
    // Not an AtomicBoolean: on JDK 25 that is a VarHandle, whose classes this class would load while the JVM starts.
    private static boolean registered;

    private final AtomicLong configurations = new AtomicLong();
    private volatile AgentConfig config;
    private volatile String version = "dev";
    private volatile String installedBy = "";

    private AgentMBean() {
    }

    /** Records the configuration the installer has just activated. */
    public static void configured(AgentConfig config, String version, boolean premain) {
        INSTANCE.version = version;
        INSTANCE.installedBy = premain ? "premain" : "agentmain";
        INSTANCE.config = config;
        INSTANCE.configurations.incrementAndGet();
    }

    /** Registers with the platform MBean server now, creating it if need be (the attach case). */
    public static void registerNow() {
        MBeanServer server;
        try {
            server = ManagementFactory.getPlatformMBeanServer();
        } catch (RuntimeException | LinkageError e) {
            System.err.println("socksify: no platform MBean server, so no MBean " + NAME + " (routing is not"
                    + " affected): " + e);
            return;
        }
        register(server);
    }

    /**
     * Registers with {@code server} unless already registered; never throws (it runs inside the application's call
     * to {@code ManagementFactory.getPlatformMBeanServer()}).
     */
    public static void register(MBeanServer server) {
        synchronized (AgentMBean.class) {
            if (registered) {
                return;
            }
            registered = true;
        }
        try {
            server.registerMBean(INSTANCE, new ObjectName(NAME));
        } catch (InstanceAlreadyExistsException e) {
            // Something else registered this name first; leave it, routing does not depend on it.
        } catch (JMException | RuntimeException | LinkageError e) {
            System.err.println("socksify: cannot register the MBean " + NAME + " (routing is not affected): " + e);
        }
    }

    @Override
    public String getVersion() {
        return version;
    }

    @Override
    public String getInstalledBy() {
        return installedBy;
    }

    @Override
    public boolean isRouting() {
        return Dispatcher.routing();
    }

    @Override
    public String getConfiguration() {
        AgentConfig c = config;
        return c == null ? "" : c.toString();
    }

    @Override
    public String getProxy() {
        AgentConfig c = config;
        return c == null || c.via() == null ? "" : (c.embedded() ? "embedded " : "") + c.via();
    }

    @Override
    public String getBypass() {
        AgentConfig c = config;
        return c == null ? "" : c.bypass().toString();
    }

    @Override
    public String getDns() {
        AgentConfig c = config;
        return c == null ? "" : c.dns().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String getUdp() {
        AgentConfig c = config;
        return c == null ? "" : c.udp().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public long getConfigurations() {
        return configurations.get();
    }

    @Override
    public long getConnectionsRouted() {
        return Metrics.CONNECTIONS_ROUTED.sum();
    }

    @Override
    public long getConnectionsBypassed() {
        return Metrics.CONNECTIONS_BYPASSED.sum();
    }

    @Override
    public long getConnectionsFailed() {
        return Metrics.failuresTotal();
    }

    @Override
    public Map<String, Long> getFailuresByReason() {
        return Metrics.failures();
    }

    @Override
    public long getLeaksBlocked() {
        return Metrics.LEAKS_BLOCKED.sum();
    }

    @Override
    public long getUdpAssociations() {
        return Metrics.UDP_ASSOCIATIONS.sum();
    }

    @Override
    public long getUdpDatagramsSent() {
        return Metrics.UDP_DATAGRAMS_SENT.sum();
    }

    @Override
    public long getUdpDatagramsReceived() {
        return Metrics.UDP_DATAGRAMS_RECEIVED.sum();
    }

    @Override
    public long getUdpDatagramsDropped() {
        return Metrics.UDP_DATAGRAMS_DROPPED.sum();
    }

    @Override
    public Map<String, Long> getConnectionsByAuthMethod() {
        return Metrics.byAuthMethod();
    }

    @Override
    public String[] getRoutes() {
        io.socksify.agent.route.Router r = io.socksify.agent.route.Routing.current();
        return r == null ? new String[0] : r.describeRoutes().toArray(new String[0]);
    }

    @Override
    public String[] getProxies() {
        io.socksify.agent.route.Router r = io.socksify.agent.route.Routing.current();
        if (r == null) {
            return new String[0];
        }
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (io.socksify.agent.route.ProxyHealth h : r.health().values()) {
            lines.add(h.describe());
        }
        return lines.toArray(new String[0]);
    }
}
