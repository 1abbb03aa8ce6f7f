package io.socksify.agent.bootstrap;

import java.io.File;
import java.net.JarURLConnection;
import java.net.URL;

/**
 * The path of the agent's jar, found when first needed (a child JVM's {@code -javaagent:}, a re-attach): the look-up
 * asks the class loaders for a resource outside every module's packages, which makes the boot loader search all
 * its modules first, about 10 ms of a JVM's start that {@code premain} need not spend.
 */
public final class AgentJar {
    private static final String SELF = "io/socksify/agent/AgentMain.class";
    private static volatile String path;

    private AgentJar() {
    }

    /** @return the agent jar's path; the JVM put the jar on its class paths, whichever loader has its classes */
    public static String path() {
        String p = path;
        if (p == null) {
            path = p = find();
        }
        return p;
    }

    /** Records the path when the caller knows it already (the jar was appended to the boot class path by hand). */
    public static void known(String jarPath) {
        path = jarPath;
    }

    private static String find() {
        URL self = ClassLoader.getSystemResource(SELF);
        if (self == null || !"jar".equals(self.getProtocol())) {
            throw new IllegalStateException("socksify must run from its jar, not from " + self);
        }
        try {
            URL jar = ((JarURLConnection) self.openConnection()).getJarFileURL();
            return new File(jar.toURI()).getPath();
        } catch (Exception e) {
            throw new IllegalStateException("socksify cannot find its jar from " + self + ": " + e, e);
        }
    }
}
