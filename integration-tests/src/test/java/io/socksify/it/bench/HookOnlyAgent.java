package io.socksify.it.bench;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;

/**
 * A one-class agent that registers a retransform-capable transformer changing nothing, for {@link StartupBenchmark}:
 * the floor of any agent that rewrites classes as they load (the JVM then offers every class it defines to the
 * transformer, and for a class from the CDS archive reads its class file from the runtime image first).
 */
public final class HookOnlyAgent implements ClassFileTransformer {
    public static void premain(String args, Instrumentation instrumentation) {
        instrumentation.addTransformer(new HookOnlyAgent(), true);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        return null;
    }
}
