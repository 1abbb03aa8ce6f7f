package io.socksify.it.support;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fresh JVM running one main class of the test classpath, optionally with the socksify agent:
 * <pre>
 * &lt;javaHome&gt;/bin/java [jvm args] [-javaagent:&lt;jar&gt;[=&lt;options&gt;]]
 *     -cp &lt;test classpath&gt; &lt;main&gt; [args]
 * </pre>
 * Both outputs are captured completely. {@link #awaitExit} is bounded: a child that hangs is asked for a thread
 * dump ({@code SIGQUIT}, printed to its stdout), then killed, and the failure shows its stdout and stderr.
 *
 * <p>The child inherits the test JVM's environment except what would change it behind the test's back: the
 * JVM option variables ({@code JAVA_TOOL_OPTIONS}, {@code _JAVA_OPTIONS}, {@code JDK_JAVA_OPTIONS}), every
 * {@code SOCKSIFY_*} variable and the proxy variables ({@code ALL_PROXY}, {@code http_proxy}, ...). Set what a
 * scenario needs with {@link Builder#env}.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.builder(ConnectApp.class)
 *         .javaHome(javaHome)
 *         .agent("proxy=socks5://" + host + ":" + port)
 *         .args(target.host(), Integer.toString(target.port()))
 *         .start()) {
 *     child.awaitExit(Duration.ofSeconds(30)).assertExitCode(0);
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {

    /** How long a hung child gets to print its thread dump before it is killed. */
    private static final Duration THREAD_DUMP_GRACE = Duration.ofSeconds(2);

    private final ExternalProcess process;

    private ChildJvm(ExternalProcess process) {
        this.process = process;
    }

    public static Builder builder(Class<?> mainClass) {
        return new Builder(mainClass.getName());
    }

    public static Builder builder(String mainClass) {
        return new Builder(mainClass);
    }

    /**
     * The classpath of the test JVM (test classes and their dependencies), which child JVMs run with. It never
     * contains the agent's classes: those must come from the agent jar.
     */
    public static String testClasspath() {
        return System.getProperty("java.class.path");
    }

    /**
     * Waits for the child to exit and its output to be read. On timeout the child prints its threads (SIGQUIT),
     * is killed, and an {@link AssertionError} carries its stdout (with the thread dump) and stderr.
     */
    public ChildJvm awaitExit(Duration timeout) {
        boolean exited;
        try {
            exited = process.process().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.kill();
            throw new AssertionError("interrupted while waiting for the child JVM\n" + process.describe(), e);
        }
        if (!exited) {
            process.signal("QUIT");
            try {
                process.process().waitFor(THREAD_DUMP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.kill();
            throw new AssertionError("child JVM did not exit within " + timeout + "; it was sent SIGQUIT (its"
                    + " thread dump is in its stdout) and killed\n" + process.describe());
        }
        process.awaitExit(Duration.ofSeconds(5));
        return this;
    }

    /** Fails, showing the child's command, stdout and stderr, unless it exited with {@code expected}. */
    public ChildJvm assertExitCode(int expected) {
        process.assertExitCode(expected);
        return this;
    }

    public int exitCode() {
        return process.exitCode();
    }

    public String stdout() {
        return process.stdout();
    }

    public String stderr() {
        return process.stderr();
    }

    /** Waits until the child's stdout contains {@code text} (for example a "ready" line) and returns it so far. */
    public String awaitStdout(String text, Duration timeout) {
        return process.awaitStdout(text, timeout);
    }

    /** Waits until the child's stderr contains {@code text} and returns it so far. */
    public String awaitStderr(String text, Duration timeout) {
        return process.awaitStderr(text, timeout);
    }

    public long pid() {
        return process.pid();
    }

    public ExternalProcess process() {
        return process;
    }

    /** Command line, state, stdout and stderr, for failure messages. */
    public String describe() {
        return process.describe();
    }

    /** Kills the child if it still runs. */
    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "child JVM " + process;
    }

    public static final class Builder {
        private final String mainClass;
        private Path javaHome = Jdks.current();
        private final List<String> jvmArgs = new ArrayList<>();
        private Path agentJar;
        private String agentOptions;
        private String classpath;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path directory;
        private final List<String> launcher = new ArrayList<>();

        private Builder(String mainClass) {
            this.mainClass = mainClass;
        }

        /** The JDK to run on; the test JVM's own by default. See {@link Jdks}. */
        public Builder javaHome(Path javaHome) {
            this.javaHome = javaHome;
            return this;
        }

        /** Appends JVM options, placed before {@code -javaagent}. */
        public Builder jvmArgs(String... jvmArgs) {
            this.jvmArgs.addAll(List.of(jvmArgs));
            return this;
        }

        /** Appends {@code -D<name>=<value>}. */
        public Builder systemProperty(String name, String value) {
            this.jvmArgs.add("-D" + name + "=" + value);
            return this;
        }

        /** Adds {@code -javaagent:} with {@link AgentJar#path()} and no options. */
        public Builder agent() {
            return agent(AgentJar.path(), null);
        }

        /** Adds {@code -javaagent:<AgentJar.path()>=<options>}. */
        public Builder agent(String options) {
            return agent(AgentJar.path(), options);
        }

        /** Adds {@code -javaagent:<jar>[=<options>]}; {@code null} or empty options add no {@code =}. */
        public Builder agent(Path jar, String options) {
            this.agentJar = jar;
            this.agentOptions = options;
            return this;
        }

        /** Replaces the default classpath, {@link #testClasspath()}. */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        /** Like {@link #classpath(String)}, from paths. */
        public Builder classpath(List<Path> entries) {
            this.classpath = String.join(File.pathSeparator, entries.stream().map(Path::toString).toList());
            return this;
        }

        /** Appends program arguments. */
        public Builder args(String... args) {
            this.args.addAll(List.of(args));
            return this;
        }

        /** Sets an environment variable of the child ({@code null} removes an inherited one). */
        public Builder env(String name, String value) {
            this.environment.put(name, value);
            return this;
        }

        /**
         * Runs {@code java} through {@code prefix}, a program that ends by executing its arguments in place (so the
         * child's pid is the JVM's): for example {@link NetworkNamespace#execPrefix()}.
         */
        public Builder launcher(List<String> prefix) {
            this.launcher.clear();
            this.launcher.addAll(prefix);
            return this;
        }

        public Builder workingDirectory(Path directory) {
            this.directory = directory;
            return this;
        }

        /** The environment changes {@link #start()} applies: {@code null} values remove a variable. */
        public Map<String, String> environment() {
            Map<String, String> changes = new LinkedHashMap<>();
            for (String name : System.getenv().keySet()) {
                if (isScrubbed(name)) {
                    changes.put(name, null);
                }
            }
            changes.putAll(environment);
            return changes;
        }

        private static boolean isScrubbed(String name) {
            String lower = name.toLowerCase(Locale.ROOT);
            return name.equals("JAVA_TOOL_OPTIONS") || name.equals("_JAVA_OPTIONS") || name.equals("JDK_JAVA_OPTIONS")
                    || name.startsWith("SOCKSIFY_") || lower.equals("all_proxy") || lower.equals("http_proxy")
                    || lower.equals("https_proxy") || lower.equals("no_proxy") || lower.equals("socks_proxy");
        }

        /** The command line {@link #start()} runs. */
        public List<String> command() {
            List<String> command = new ArrayList<>(launcher);
            command.add(Jdks.javaExecutable(javaHome).toString());
            command.addAll(jvmArgs);
            if (agentJar != null) {
                command.add("-javaagent:" + agentJar
                        + (agentOptions == null || agentOptions.isEmpty() ? "" : "=" + agentOptions));
            }
            command.add("-cp");
            command.add(classpath != null ? classpath : testClasspath());
            command.add(mainClass);
            command.addAll(args);
            return command;
        }

        public ChildJvm start() {
            return new ChildJvm(ExternalProcess.start(command(), environment(), directory));
        }

        /** {@link #start()}, then {@link ChildJvm#awaitExit(Duration)}. */
        public ChildJvm run(Duration timeout) {
            return start().awaitExit(timeout);
        }
    }
}
