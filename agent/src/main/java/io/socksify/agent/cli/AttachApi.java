package io.socksify.agent.cli;

import java.io.PrintStream;

/**
 * Whether this runtime can attach to other JVMs. Refers to no attach type itself: on a runtime without
 * {@code jdk.attach} (a JRE, a jlinked image) the commands that need it must not even be linked (verifying their
 * catch clauses loads the attach API's exceptions), so {@link Cli} asks this first.
 */
final class AttachApi {
    private AttachApi() {
    }

    /** @return true, after printing why and what to do instead, when {@code jdk.attach} is missing */
    static boolean missing(PrintStream err) {
        if (ModuleLayer.boot().findModule("jdk.attach").isPresent()) {
            return false;
        }
        err.println("socksify: this Java runtime (" + System.getProperty("java.home") + ") has no jdk.attach module,"
                + " which attaching to another JVM needs (a JRE or a jlinked runtime has none); run the command with a"
                + " JDK's java, or load the agent with: jcmd <pid> JVMTI.agent_load <path of socksify-agent.jar>"
                + " <key=value,...>");
        return true;
    }

    /** @return {@code pid} when it is a process id, else null after printing why */
    static String pid(String pid, PrintStream err) {
        if (!pid.matches("[1-9][0-9]{0,18}")) {
            err.println("socksify: '" + pid + "' is not a process id (expected: a number; 'list' shows the JVMs)");
            return null;
        }
        return pid;
    }
}
