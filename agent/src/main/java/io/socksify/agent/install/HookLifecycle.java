package io.socksify.agent.install;

import io.socksify.agent.instrument.Hook;

import java.lang.instrument.UnmodifiableClassException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one lifecycle of the hooks: install the transformer, retransform what is loaded, verify, and (on any failure)
 * roll back. At JVM start ({@code premain}) only the hooked classes the JVM has loaded already are retransformed (as
 * a rule none: no application code has run); the others are rewritten when they load, where a hook that cannot apply
 * halts the JVM ({@link HookTransformer}). That spares loading and retransforming nine JDK classes the application
 * may never use: most of socksify's start-up cost. An attach loads and retransforms every hooked class at once, so
 * that a JDK whose classes cannot be hooked is refused while the attacher waits, with the JVM left as it was.
 */
final class HookLifecycle {
    private HookLifecycle() {
    }

    /**
     * Registers the transformer: from now on the hooked classes are rewritten as they load. At JVM start this comes
     * before anything else of the agent runs, so that the hooked classes the agent's own start loads (the name
     * service behind {@code InetAddress}; on JDK 25 also {@code SocketChannelImpl}, which reading the security
     * properties loads) are rewritten as they load, cheaper than retransforming them.
     *
     * @param rows the rows of every transport (and the optional ones), for the running JDK
     */
    static HookTransformer register(TrackedInstrumentation instrumentation, Hook[] rows) {
        HookTransformer transformer = new HookTransformer(rows);
        instrumentation.addTransformer(transformer, true);
        return transformer;
    }

    /**
     * The hooked classes the boot loader has loaded: one pass over the JVM's classes (it names each of them: a few ms
     * on JDK 25 while the JVM starts, so it runs once).
     */
    static List<Class<?>> loadedHooked(TrackedInstrumentation instrumentation, HookTransformer transformer) {
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : instrumentation.getAllLoadedClasses()) {
            // Array and hidden classes (about a sixth of them) are never hooked: their names are not made.
            if (c.getClassLoader() == null && !c.isArray() && !c.isHidden() && transformer.hooksClass(c.getName())) {
                loaded.add(c);
            }
        }
        return loaded;
    }

    /**
     * Retransforms what must be: at JVM start the hooked classes the JVM loaded before {@link #register} (as a rule
     * none: no application code has run), for an attach every hooked class. {@link Started#verify} checks them all.
     *
     * @param atStart whether the JVM is starting: classes not loaded yet are hooked as they load
     * @param loaded  at start, the hooked classes loaded ({@link #loadedHooked}); else unused
     */
    static Started start(TrackedInstrumentation instrumentation, HookTransformer transformer, boolean atStart,
            List<Class<?>> loaded) throws ClassNotFoundException, UnmodifiableClassException {
        List<Class<?>> targets = new ArrayList<>();
        if (atStart) {
            for (Class<?> c : loaded) {
                // A class rewritten as it loaded needs no second pass.
                if (!transformer.rewritten(internalName(c))) {
                    targets.add(c);
                }
            }
        } else {
            for (String owner : transformer.owners()) {
                targets.add(Class.forName(owner.replace('/', '.'), false, null));
            }
        }
        if (!targets.isEmpty()) {
            instrumentation.retransformClasses(targets.toArray(new Class<?>[0]));
        }
        return new Started(transformer, targets);
    }

    /** The hooks, installed; {@link #verify} before the installation is declared done. */
    static final class Started {
        private final HookTransformer transformer;
        private final List<Class<?>> targets;

        private Started(HookTransformer transformer, List<Class<?>> targets) {
            this.transformer = transformer;
            this.targets = targets;
        }

        /**
         * Checks that every class retransformed, and every hooked class that loaded since {@link #start}, was
         * rewritten, then arms the transformer: from now on a class whose hooks cannot apply halts the JVM as it
         * loads.
         *
         * @throws IllegalStateException naming every class whose hooks did not apply; the caller rolls back (removes
         *                               the transformer through the {@code TrackedInstrumentation})
         */
        void verify() {
            StringBuilder missing = new StringBuilder();
            for (Class<?> c : targets) {
                String name = internalName(c);
                if (!transformer.rewritten(name) && !transformer.optional(name)) {
                    missing.append(missing.length() == 0 ? "" : "; ").append(c.getName()).append(": ")
                            .append(transformer.failure(name) == null ? "not transformed" : transformer.failure(name));
                }
            }
            // A class that loaded after the look for loaded classes and could not be hooked.
            for (String owner : transformer.owners()) {
                if (!contains(targets, owner) && transformer.failure(owner) != null && !transformer.optional(owner)) {
                    missing.append(missing.length() == 0 ? "" : "; ").append(owner.replace('/', '.')).append(": ")
                            .append(transformer.failure(owner));
                }
            }
            if (missing.length() > 0) {
                throw new IllegalStateException("the JDK's classes were not instrumented (" + missing + ")");
            }
            transformer.arm();
        }
    }

    private static boolean contains(List<Class<?>> classes, String internalName) {
        for (Class<?> c : classes) {
            if (internalName(c).equals(internalName)) {
                return true;
            }
        }
        return false;
    }

    private static String internalName(Class<?> c) {
        return c.getName().replace('.', '/');
    }
}
