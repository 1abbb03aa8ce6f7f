package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * One row of the hook table ({@link Hooks}): a JDK method and what socksify does at its start. Either a
 * <em>prologue</em> (push some values, call one static method of a boot-loaded dispatcher, act on its answer as the
 * {@link Exit} says, else run the original code) or a <em>rewrite</em> ({@link MethodRewrite}: the few hooks that
 * change instructions inside a method instead). Every row of a class is applied in one pass ({@link ClassRewriter});
 * a row that finds no method fails the whole class, so a JDK that changed a hooked method never runs unhooked.
 *
 * <p>The dispatcher call is the dispatcher's class (so javac checks it exists) and the method's descriptor, written
 * out: {@code Class} objects of the JDK types in it would load two dozen {@code java.nio.channels} and
 * {@code java.net} classes while the JVM starts. {@code HookBytecodeTest} checks each row names a public static
 * method of exactly that signature ({@link #dispatchMethod()}), and that the values the row pushes fit it. No
 * reflection runs at start-up. A plain class, not a record: a record's {@code equals}/{@code hashCode} bootstrap
 * through invokedynamic and cost dozens of method-handle classes when the JVM starts.
 */
public final class Hook {
    /** What a prologue does with the dispatcher's answer. */
    public enum Exit {
        /** void answer: the original always runs (a notification, or a guard that throws) */
        NONE,
        /** boolean: true = return at once (void; false for a boolean method) */
        RETURN_IF_TRUE,
        /** boolean: true = return {@code this} */
        THIS_IF_TRUE,
        /** int: negative = run the original, else return it (as the method's int or boolean) */
        INT_IF_NOT_NEGATIVE,
        /** object: non-null = return it */
        OBJECT_IF_NOT_NULL,
        /** long: {@code PASS_COUNT} (Long.MIN_VALUE) = run the original, else return it (as int or long) */
        COUNT_UNLESS_PASS,
        /** object: the dispatcher's {@code PASS} = run the original, else return it (null included) */
        OBJECT_UNLESS_PASS
    }

    /** A value a prologue pushes for the dispatcher. */
    public static final class Load {
        static final int SELF = 0;
        static final int ARG = 1;
        static final int FIELD = 2;
        static final int ARG_CALL = 3;
        final int kind;
        final int index;
        final String owner;
        final String name;
        final String descriptor;

        private Load(int kind, int index, String owner, String name, String descriptor) {
            this.kind = kind;
            this.index = index;
            this.owner = owner;
            this.name = name;
            this.descriptor = descriptor;
        }

        /** {@code this} */
        public static Load self() {
            return new Load(SELF, 0, null, null, null);
        }

        /** the hooked method's argument {@code index} (0 = the first, whether the method is static or not) */
        public static Load arg(int index) {
            return new Load(ARG, index, null, null, null);
        }

        /** the value of a field of {@code this} (declared by the hooked class or a superclass) */
        public static Load field(String name, Class<?> type) {
            return new Load(FIELD, 0, null, name, Type.getDescriptor(type));
        }

        /** {@code arg(index).name()}: an instance method without arguments of the argument's class */
        public static Load argCall(int index, String owner, String name, String descriptor) {
            return new Load(ARG_CALL, index, owner, name, descriptor);
        }

        @Override
        public String toString() {
            switch (kind) {
                case SELF:
                    return "this";
                case ARG:
                    return "arg" + index;
                case FIELD:
                    return "this." + name;
                default:
                    return "arg" + index + "." + name + "()";
            }
        }
    }

    final String owner;
    final String name;
    final String descriptor;
    final boolean isStatic;
    final int minFeature;
    final int maxFeature;
    final String group;
    final boolean optional;
    // A prologue:
    final Class<?> dispatcher;
    final String dispatch;
    final String dispatchDescriptor;
    final Load[] loads;
    final Exit exit;
    final Load onlyIfNotNull;
    // Or a rewrite:
    final MethodRewrite rewrite;

    private Hook(Builder b) {
        owner = b.owner;
        name = b.name;
        descriptor = b.descriptor;
        isStatic = b.isStatic;
        minFeature = b.minFeature;
        maxFeature = b.maxFeature;
        group = b.group;
        optional = b.optional;
        dispatcher = b.dispatcher;
        dispatch = b.dispatch;
        dispatchDescriptor = b.dispatchDescriptor;
        loads = b.loads;
        exit = b.exit;
        onlyIfNotNull = b.onlyIfNotNull;
        rewrite = b.rewrite;
    }

    /** A row for the instance method {@code name descriptor} of the class {@code owner} (internal name). */
    public static Builder method(String owner, String name, String descriptor) {
        return new Builder(owner, name, descriptor, false);
    }

    /** A row for a static method. */
    public static Builder staticMethod(String owner, String name, String descriptor) {
        return new Builder(owner, name, descriptor, true);
    }

    /** A rewrite applied to every method of {@code owner} ({@link MethodRewrite} decides what it touches). */
    public static Builder everyMethod(String owner) {
        return new Builder(owner, null, null, false);
    }

    /** @return the internal name of the hooked class */
    public String owner() {
        return owner;
    }

    /** @return whether the row applies on the JDK of that feature release */
    public boolean appliesTo(int feature) {
        return feature >= minFeature && feature <= maxFeature;
    }

    /** @return whether a failure of this row leaves routing intact (it is reported, not fatal) */
    public boolean optional() {
        return optional;
    }

    /** @return the dispatcher method the row calls, found by reflection (for the tests; never at start-up) */
    public java.lang.reflect.Method dispatchMethod() throws NoSuchMethodException {
        if (dispatcher == null) {
            return null;
        }
        Type[] arguments = Type.getArgumentTypes(dispatchDescriptor);
        Class<?>[] parameters = new Class<?>[arguments.length];
        for (int i = 0; i < arguments.length; i++) {
            parameters[i] = toClass(arguments[i]);
        }
        Class<?> returns = toClass(Type.getReturnType(dispatchDescriptor));
        java.lang.reflect.Method m = dispatcher.getMethod(dispatch, parameters);
        if (m.getReturnType() != returns || (m.getModifiers() & java.lang.reflect.Modifier.STATIC) == 0) {
            throw new NoSuchMethodException(dispatcher.getName() + "." + dispatch + " is not static "
                    + returns.getName() + " " + dispatch + dispatchDescriptor);
        }
        return m;
    }

    private static Class<?> toClass(Type type) throws NoSuchMethodException {
        switch (type.getSort()) {
            case Type.VOID:
                return void.class;
            case Type.BOOLEAN:
                return boolean.class;
            case Type.INT:
                return int.class;
            case Type.LONG:
                return long.class;
            case Type.ARRAY:
            case Type.OBJECT:
                try {
                    String name = type.getSort() == Type.ARRAY ? type.getDescriptor().replace('/', '.')
                            : type.getClassName();
                    return Class.forName(name, false, Hook.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new NoSuchMethodException("no class " + type.getClassName());
                }
            default:
                throw new NoSuchMethodException("no dispatcher takes or answers " + type.getClassName());
        }
    }

    boolean matches(int access, String methodName, String methodDescriptor) {
        if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return false;
        }
        if (name == null) {
            return true;
        }
        return name.equals(methodName) && descriptor.equals(methodDescriptor)
                && ((access & Opcodes.ACC_STATIC) != 0) == isStatic;
    }

    /** The row's group: rows of a class sharing it are alternatives, exactly one of which must exist. */
    String groupKey() {
        return group != null ? group : describe();
    }

    /** "sun.nio.ch.Net.connect(...)" */
    public String describe() {
        return owner.replace('/', '.') + (name == null ? " (every method)" : "." + name + descriptor);
    }

    @Override
    public String toString() {
        return describe() + (dispatcher == null ? " rewritten" : " -> " + dispatcher.getSimpleName() + "." + dispatch);
    }

    /** Builds a row; {@link #call} or {@link #rewrite} says what the row does. */
    public static final class Builder {
        private final String owner;
        private final String name;
        private final String descriptor;
        private final boolean isStatic;
        private int minFeature = 0;
        private int maxFeature = Integer.MAX_VALUE;
        private String group;
        private boolean optional;
        private Class<?> dispatcher;
        private String dispatch;
        private String dispatchDescriptor;
        private Load[] loads;
        private Exit exit;
        private Load onlyIfNotNull;
        private MethodRewrite rewrite;

        private Builder(String owner, String name, String descriptor, boolean isStatic) {
            this.owner = owner;
            this.name = name;
            this.descriptor = descriptor;
            this.isStatic = isStatic;
        }

        /** Only on JDK feature releases {@code min} to {@code max}. */
        public Builder jdk(int min, int max) {
            minFeature = min;
            maxFeature = max;
            return this;
        }

        /** Alternatives: of the rows of a class with this group, exactly one must find its method. */
        public Builder group(String name) {
            group = name;
            return this;
        }

        /** A failure is reported, not fatal: the row is no part of routing (the MBean's registration). */
        public Builder optional() {
            optional = true;
            return this;
        }

        /** Pushes these values instead of {@code this} and every argument. */
        public Builder loads(Load... values) {
            loads = values;
            return this;
        }

        /** Runs the prologue only when {@code value} is not null. */
        public Builder onlyIfNotNull(Load value) {
            onlyIfNotNull = value;
            return this;
        }

        /**
         * The prologue calls {@code dispatcher.method(parameters)}, which returns {@code returns}, and acts on the
         * answer as {@code exit} says.
         */
        public Hook call(Class<?> dispatcherClass, String method, Exit exitKind, String methodDescriptor) {
            dispatcher = dispatcherClass;
            dispatch = method;
            exit = exitKind;
            dispatchDescriptor = methodDescriptor;
            return check(new Hook(this));
        }

        /** {@link #call(Class, String, Exit, String)} with the descriptor made of {@code Class} objects (tests). */
        public Hook call(Class<?> dispatcherClass, String method, Exit exitKind, Class<?> returnType,
                Class<?>... parameterTypes) {
            Type[] types = new Type[parameterTypes.length];
            for (int i = 0; i < parameterTypes.length; i++) {
                types[i] = Type.getType(parameterTypes[i]);
            }
            return call(dispatcherClass, method, exitKind, Type.getMethodDescriptor(Type.getType(returnType), types));
        }

        /** The method (every method, for {@link Hook#everyMethod}) is rewritten. */
        public Hook rewrite(MethodRewrite methodRewrite) {
            rewrite = methodRewrite;
            return new Hook(this);
        }

        /** Refuses a row whose answer cannot mean what its exit says: a table error, found at class init. */
        private static Hook check(Hook hook) {
            Type r = Type.getReturnType(hook.dispatchDescriptor);
            int parameters = Type.getArgumentTypes(hook.dispatchDescriptor).length;
            boolean ok;
            switch (hook.exit) {
                case NONE:
                    ok = r.getSort() == Type.VOID;
                    break;
                case RETURN_IF_TRUE:
                case THIS_IF_TRUE:
                    ok = r.getSort() == Type.BOOLEAN;
                    break;
                case INT_IF_NOT_NEGATIVE:
                    ok = r.getSort() == Type.INT;
                    break;
                case COUNT_UNLESS_PASS:
                    ok = r.getSort() == Type.LONG;
                    break;
                default:
                    ok = r.getSort() == Type.OBJECT || r.getSort() == Type.ARRAY;
            }
            int pushed = hook.loads != null ? hook.loads.length
                    : Type.getArgumentTypes(hook.descriptor).length + (hook.isStatic ? 0 : 1);
            if (!ok || pushed != parameters) {
                throw new IllegalArgumentException("hook " + hook + ": the dispatcher's " + r.getClassName()
                        + " answer and " + parameters + " parameters do not fit exit " + hook.exit
                        + " and " + pushed + " values pushed");
            }
            return hook;
        }
    }
}
