package io.socksify.agent.install;

import io.socksify.agent.instrument.ClassRewriter;
import io.socksify.agent.instrument.Hook;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one class file transformer: applies the hook table's rows to their boot-loaded classes, when they load and
 * when they are retransformed. It remembers which classes it rewrote and what went wrong, for {@link HookLifecycle}'s
 * check; once the lifecycle has {@link #arm armed} it, a class whose hooks cannot apply halts the JVM as it loads
 * (with one line naming the class and the reason): the class would otherwise be defined unhooked, and its
 * connections would go out directly. A failing optional row (the MBean's) is reported and the class loads as it is.
 * Called for every class the JVM defines, so the miss path is one null test and one map look-up.
 */
final class HookTransformer implements ClassFileTransformer {
    private final Map<String, Hook[]> byOwner = new HashMap<>();
    /** the owners' binary names, for the pass over the loaded classes (no internal name made for each class) */
    private final java.util.Set<String> binaryNames = new java.util.HashSet<>();
    private final Map<String, String> rewritten = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private volatile boolean armed;

    HookTransformer(Hook[] rows) {
        for (Hook row : rows) {
            Hook[] old = byOwner.get(row.owner());
            Hook[] rowsOfClass = old == null ? new Hook[1] : java.util.Arrays.copyOf(old, old.length + 1);
            rowsOfClass[rowsOfClass.length - 1] = row;
            byOwner.put(row.owner(), rowsOfClass);
            binaryNames.add(row.owner().replace('/', '.'));
        }
    }

    /** @return the internal names of the hooked classes */
    Iterable<String> owners() {
        return byOwner.keySet();
    }

    /** @param binaryName a class's {@code Class.getName()} */
    boolean hooksClass(String binaryName) {
        return binaryNames.contains(binaryName);
    }

    boolean hooks(String internalName) {
        return byOwner.containsKey(internalName);
    }

    boolean optional(String internalName) {
        for (Hook row : byOwner.get(internalName)) {
            if (!row.optional()) {
                return false;
            }
        }
        return true;
    }

    /** @return whether the last transformation of the class succeeded */
    boolean rewritten(String internalName) {
        return rewritten.containsKey(internalName);
    }

    /** @return why the class could not be rewritten, or null */
    String failure(String internalName) {
        return failures.get(internalName);
    }

    /** From now on a class whose hooks cannot apply halts the JVM while it loads. */
    void arm() {
        armed = true;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || className == null) {
            return null;
        }
        Hook[] rows = byOwner.get(className);
        if (rows == null) {
            return null;
        }
        try {
            byte[] result = ClassRewriter.rewrite(className, rows, classfileBuffer);
            failures.remove(className);
            rewritten.put(className, className);
            return result;
        } catch (RuntimeException | LinkageError e) {
            rewritten.remove(className);
            failures.put(className, String.valueOf(e.getMessage() != null ? e.getMessage() : e));
            if (optional(className)) {
                System.err.println("socksify: " + className.replace('/', '.') + " left as it is (routing is not"
                        + " affected): " + e);
            } else if (armed) {
                // Defining the class unhooked would let its connections out directly: fail closed, here.
                System.err.println("socksify: cannot hook " + className.replace('/', '.') + " as it loads, so"
                        + " nothing may run unrouted; halting the JVM: " + e);
                System.err.flush();
                Runtime.getRuntime().halt(1);
            }
            return null;
        }
    }
}
