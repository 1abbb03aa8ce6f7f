package io.socksify.it.attach;

import io.socksify.it.support.AgentJar;
import io.socksify.it.support.ExternalProcess;
import io.socksify.it.support.Jdks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code <jdk>/bin/java -jar socksify-agent.jar <args>} to completion, as an operator would. */
final class SocksifyCli {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private SocksifyCli() {
    }

    static ExternalProcess run(Path jdk, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Jdks.javaExecutable(jdk).toString());
        command.add("-jar");
        command.add(AgentJar.path().toString());
        command.addAll(List.of(args));
        return ExternalProcess.start(command, cleanEnvironment(), null).awaitExit(TIMEOUT);
    }

    /** {@code <jdk>/bin/jcmd <pid> JVMTI.agent_load <jar> "<options>"}: the JDK's own way to load an agent. */
    static ExternalProcess jcmdAgentLoad(Path jdk, long pid, String options) {
        List<String> command = List.of(jdk.resolve("bin").resolve("jcmd").toString(), Long.toString(pid),
                "JVMTI.agent_load", AgentJar.path().toString(), "\"" + options + "\"");
        return ExternalProcess.start(command, cleanEnvironment(), null).awaitExit(TIMEOUT);
    }

    /** Options in the environment would change the command's JVM behind the test's back. */
    private static Map<String, String> cleanEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_TOOL_OPTIONS", null);
        env.put("_JAVA_OPTIONS", null);
        env.put("JDK_JAVA_OPTIONS", null);
        return env;
    }
}
