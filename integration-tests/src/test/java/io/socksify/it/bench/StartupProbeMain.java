package io.socksify.it.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;

/**
 * What a JVM paid to start, seen from its {@code main}: the JVM's uptime when {@code main} runs (which includes any
 * agent's {@code premain}), the classes loaded by then, and the heap in use after a full GC. The uptime is the JVM's
 * uptime read afterwards less the time since {@code main}'s first statement: reading it through
 * {@code ManagementFactory} at once would count the probe's own JMX classes, and under socksify the rewrite of
 * {@code ManagementFactory} (its MBean hook), the first hooked class of this program. That rewrite is printed
 * apart ({@code FIRST_USE_MS}: how long {@code ManagementFactory.getRuntimeMXBean()} took), since a program pays it
 * where it first loads a hooked class (a socket, a channel, a name lookup), not at start.
 */
public final class StartupProbeMain {
    private StartupProbeMain() {
    }

    public static void main(String[] args) {
        long atMain = System.nanoTime();
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        long firstUse = (System.nanoTime() - atMain) / 1_000_000;
        long uptime = runtime.getUptime() - (System.nanoTime() - atMain) / 1_000_000;
        int classes = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        System.gc();
        Runtime heap = Runtime.getRuntime();
        long used = heap.totalMemory() - heap.freeMemory();
        System.out.println("UPTIME_AT_MAIN " + uptime);
        System.out.println("FIRST_USE_MS " + firstUse);
        System.out.println("CLASSES " + classes);
        System.out.println("HEAP_USED " + used);
    }
}
