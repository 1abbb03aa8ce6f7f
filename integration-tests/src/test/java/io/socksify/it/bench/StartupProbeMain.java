package io.socksify.it.bench;

import java.lang.management.ManagementFactory;

/**
 * What a JVM paid to start, seen from its {@code main}: the JVM's uptime when {@code main} runs (which includes any
 * agent's {@code premain}), the classes loaded by then, and the heap in use after a full GC.
 */
public final class StartupProbeMain {
    private StartupProbeMain() {
    }

    public static void main(String[] args) {
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        int classes = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        long heap = runtime.totalMemory() - runtime.freeMemory();
        System.out.println("UPTIME_AT_MAIN " + uptime);
        System.out.println("CLASSES " + classes);
        System.out.println("HEAP_USED " + heap);
    }
}
