package io.socksify.agent;

import io.socksify.agent.install.Installer;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.JarURLConnection;
import java.net.URL;
import java.util.jar.JarFile;

/**
 * The agent's entry points. {@code premain}/{@code agentmain} stay tiny and never log: they
 * make sure the agent jar is on the bootstrap class path and call the installer through the boot loader, so that
 * every agent class (the dispatcher advice calls from {@code java.base}, and the relocated Byte Buddy, slf4j and
 * socks-protocol) is loaded once, by the boot loader. This class refers to no other agent class but the installer,
 * which it calls only once the jar is on the boot class path.
 *
 * <p>The build flags {@code premain} and {@code agentmain} {@code ACC_VARARGS} ({@code src/build/java}'s
 * {@code VarargsEntryPoints}): the JVM calls them reflectively, and for such a method JDK 18 and later use
 * reflection's native accessor instead of spinning method-handle classes (about 4 ms of a start on JDK 25). javac
 * refuses to compile against a class flagged so, which is why nothing refers to this class (the command line's
 * {@code Main-Class} is {@code cli.Cli}).
 */
public final class AgentMain {
    private static final String INSTALLER = "io.socksify.agent.install.Installer";
    private static final String SELF = "io/socksify/agent/AgentMain.class";

    private AgentMain() {
    }

    public static void premain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation, true);
    }

    public static void agentmain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation, false);
    }

    private static void start(String agentArgs, Instrumentation instrumentation, boolean premain) {
        String jarPath = null;
        try {
            try {
                // Normally the manifest's Boot-Class-Path has put the jar on the boot class path already. The jar's
                // path is then looked up only when needed (AgentJar): the look-up costs about 10 ms of start-up.
                Class.forName(INSTALLER, false, null);
            } catch (ClassNotFoundException renamedJar) {
                // Boot-Class-Path names the jar's file name; a renamed jar is appended here instead (HotSpot then
                // prints a one-line class data sharing warning: keep the jar's name).
                jarPath = jarPath();
                instrumentation.appendToBootstrapClassLoaderSearch(new JarFile(jarPath));
                Class.forName(INSTALLER, false, null);
            }
        } catch (Exception | LinkageError e) {
            cannotLoad(e, premain);
            return;
        }
        try {
            // A plain call, resolved only now: whichever loader defined this class delegates to the boot loader
            // first, which has the Installer. Not Method.invoke: since JDK 18 reflection spins method-handle classes
            // for a call like this (seven for the JVM's own call of premain, about 4 ms on JDK 25, which the flag
            // above spares).
            Installer.install(agentArgs, instrumentation, jarPath, premain);
        } catch (NoClassDefFoundError e) {
            cannotLoad(e, premain);
        }
        // Any other failure has been printed by the installer (which halted a starting JVM): it propagates.
    }

    private static void cannotLoad(Throwable e, boolean premain) {
        System.err.println("socksify: cannot load the agent from its jar, so nothing may run unrouted: " + e);
        if (premain) {
            Runtime.getRuntime().halt(1);
        }
        throw new IllegalStateException(e);
    }

    /**
     * The agent jar's path: the JVM put it on the system class path, whichever loader defined this class. (The same
     * look-up as {@code bootstrap.AgentJar}'s, which this class cannot call before the jar is on the boot class path.)
     */
    private static String jarPath() throws Exception {
        URL self = ClassLoader.getSystemResource(SELF);
        if (self == null || !"jar".equals(self.getProtocol())) {
            throw new IllegalStateException("socksify must run from its jar, not from " + self);
        }
        URL jar = ((JarURLConnection) self.openConnection()).getJarFileURL();
        return new File(jar.toURI()).getPath();
    }
}
