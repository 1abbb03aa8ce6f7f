package io.socksify.agent.route;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@code java.net} and {@code sun.nio.ch} to the agent's module (the boot loader's unnamed module), for the
 * JDK internals the routing reaches reflectively ({@code SocketImpl}'s protected members, the channels' internals),
 * once, on the first use of any of them rather than at {@code premain}: {@code Instrumentation.redefineModule}
 * spins the JVM's first lambdas, a few ms of every start. Every reflective look-up into those packages calls
 * {@link #open} first ({@link JdkMembers.Lazy} does for its handles). An attach opens them as it installs.
 *
 * <p>No read edge is needed for the advice: when an agent rewrites a class of a named module, the JVM itself lets
 * that module read the boot and application loaders' unnamed modules ({@code jdk.internal.module.Modules
 * .transformedByAgent}), before the rewritten class runs. The edge is added here too, for the reflective paths.
 */
public final class JavaBaseAccess {
    private static Instrumentation instrumentation;
    private static volatile boolean open;

    private JavaBaseAccess() {
    }

    /** Gives the installer's {@link Instrumentation}; nothing is opened yet. */
    public static synchronized void configure(Instrumentation jvm) {
        instrumentation = jvm;
    }

    /**
     * Opens the packages, unless they are open already.
     *
     * @throws IllegalStateException if they cannot be opened (the caller's operation fails: fail-closed)
     */
    public static void open() {
        if (open) {
            return;
        }
        synchronized (JavaBaseAccess.class) {
            if (open) {
                return;
            }
            if (instrumentation == null) {
                throw new IllegalStateException("socksify: java.base cannot be opened to the agent (not installed)");
            }
            Module javaBase = Object.class.getModule();
            Module agent = JavaBaseAccess.class.getModule();
            try {
                instrumentation.redefineModule(javaBase, Set.of(agent), Map.of(),
                        Map.of("java.net", Set.of(agent), "sun.nio.ch", Set.of(agent)), Set.of(), Map.of());
            } catch (RuntimeException e) {
                throw new IllegalStateException("socksify: cannot open java.base's java.net and sun.nio.ch to the"
                        + " agent: " + e, e);
            }
            open = true;
        }
    }
}
