package io.socksify.agent.bootstrap;

import javax.management.MBeanServer;
import java.util.function.Consumer;

/**
 * Where code inlined into {@code ManagementFactory.getPlatformMBeanServer()} hands over the platform MBean server,
 * so that socksify's MBean is registered when, and only when, the JVM uses JMX. Boot-loaded, like the dispatcher.
 */
public final class MetricsExport {
    private static volatile Consumer<MBeanServer> exporter;

    private MetricsExport() {
    }

    public static void install(Consumer<MBeanServer> platformServerExporter) {
        exporter = platformServerExporter;
    }

    /** Called with every result of {@code getPlatformMBeanServer()}; never throws into the caller. */
    public static void platformMBeanServer(MBeanServer server) {
        Consumer<MBeanServer> e = exporter;
        if (e == null || server == null) {
            return;
        }
        try {
            e.accept(server);
        } catch (RuntimeException | LinkageError ignored) {
            // Metrics must never break the application's own use of JMX.
        }
    }
}
