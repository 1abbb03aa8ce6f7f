package io.socksify.it.bench;

import java.lang.instrument.Instrumentation;

/** The cheapest agent there is, for {@link StartupBenchmark}: what any {@code -javaagent} costs a JVM's start. */
public final class EmptyAgent {
    private EmptyAgent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        // Nothing: the JVM's price for opening an agent jar and calling premain.
    }
}
