package io.socksify.agent.route;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Checks that a JDK-internal member socksify relies on exists with the type it expects, using plain reflection, on
 * the first use of the members (the channel and datagram paths; nothing is loaded for it while the JVM starts). A JDK
 * that changed one fails that use with a message naming the member.
 */
public final class JdkMembers {
    private JdkMembers() {
    }

    /** @return the field, after checking its type and whether it is static */
    public static Field field(Class<?> type, String name, Class<?> fieldType, boolean isStatic)
            throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        if (f.getType() != fieldType || Modifier.isStatic(f.getModifiers()) != isStatic) {
            throw new NoSuchFieldException(type.getName() + "." + name + " is " + f + " on this JDK (expected "
                    + (isStatic ? "static " : "") + fieldType.getName() + ")");
        }
        return f;
    }

    /** Checks a method's return type and whether it is static. */
    public static void method(Class<?> type, String name, Class<?> returnType, boolean isStatic,
            Class<?>... parameters) throws NoSuchMethodException {
        Method m = type.getDeclaredMethod(name, parameters);
        if (m.getReturnType() != returnType || Modifier.isStatic(m.getModifiers()) != isStatic) {
            throw new NoSuchMethodException(type.getName() + "." + name + " is " + m + " on this JDK (expected "
                    + (isStatic ? "static " : "") + returnType.getName() + ")");
        }
    }

    /**
     * Method handles on JDK internals, made once on first use rather than at installation (making them costs start-up
     * time), after checking their members with {@link #field} and {@link #method}. An abstract class rather than a
     * lambda, so that building one at installation spins no lambda class.
     */
    public abstract static class Lazy<T> {
        private volatile T value;

        /** Makes the handles; called at most once that succeeds. */
        protected abstract T create() throws ReflectiveOperationException;

        /** @throws IllegalStateException if the handles cannot be made (the caller fails its operation: fail-closed) */
        public final T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        JavaBaseAccess.open();
                        try {
                            value = v = create();
                        } catch (ReflectiveOperationException e) {
                            // A JDK that lacks or changed a member: this operation, and each later one, fails.
                            throw new IllegalStateException("socksify: cannot reach a JDK internal: " + e, e);
                        }
                    }
                }
            }
            return v;
        }
    }
}
