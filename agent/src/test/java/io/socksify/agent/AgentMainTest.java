package io.socksify.agent;

import org.junit.jupiter.api.Test;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build flags the JVM's two entry points variable-arity (src/build/java/.../VarargsEntryPoints), so that JDK 18
 * and later call them through reflection's native accessor instead of spinning method-handle classes at start. (An
 * IDE that compiles without Maven leaves the class unflagged, and this test fails there.)
 */
class AgentMainTest {

    @Test
    void premainAndAgentmainAreFlaggedVariableArity() throws ReflectiveOperationException {
        // By name: javac refuses to compile against the flagged class.
        Class<?> agentMain = Class.forName("io.socksify.agent.AgentMain");
        for (String name : new String[] {"premain", "agentmain"}) {
            Method m = agentMain.getMethod(name, String.class, Instrumentation.class);
            assertTrue(m.isVarArgs(), name + " is not flagged ACC_VARARGS: the build step did not run");
            assertTrue(Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers()), name);
        }
    }
}
