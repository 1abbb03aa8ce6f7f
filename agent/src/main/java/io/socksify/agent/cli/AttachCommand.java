package io.socksify.agent.cli;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code attach <pid> [key=value | @file ...]}, {@code attach <pid> off}, {@code attach <pid> on}: loads this jar
 * into a running JVM as an agent with those options (the keys of {@code -javaagent}) and reports what the target
 * confirmed through the {@link AttachStatus} file. Exit status 0 only when the target confirmed; 1 when it refused
 * (with its reason) or did not confirm; 2 for a usage error; 3 without {@code jdk.attach}.
 */
final class AttachCommand {
    static final String USAGE = "usage: attach <pid> [key=value | @file ...] | attach <pid> off | attach <pid> on";

    private AttachCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("socksify: " + USAGE);
            return 2;
        }
        String pid = AttachApi.pid(args[0], err);
        if (pid == null) {
            return 2;
        }
        String options;
        try {
            options = options(Arrays.copyOfRange(args, 1, args.length));
        } catch (IOException e) {
            err.println("socksify: cannot read the options file: " + e);
            return 2;
        }
        Path jar;
        try {
            jar = ownJar();
        } catch (IllegalStateException e) {
            err.println("socksify: " + e.getMessage());
            return 2;
        }
        Path statusFile = null;
        try {
            statusFile = Files.createTempFile("socksify-attach-", ".status");
            handOver(statusFile, pid);
            String agentArgs = AttachStatus.withStatusFile(options, statusFile);
            String failure = load(pid, jar, agentArgs);
            AttachStatus.Result result = AttachStatus.Result.read(statusFile);
            if (result != null && result.ok() && failure == null) {
                out.println("socksify: " + pid + ": " + result.message());
                return 0;
            }
            String reason = result != null && !result.ok() ? result.message()
                    : failure != null ? failure
                    : "the target did not confirm that routing is installed (an older socksify already in it?"
                            + " its stderr may say more)";
            err.println("socksify: attach to " + pid + " failed: " + reason);
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            err.println("socksify: attach to " + pid + " failed: " + e.getMessage());
            return 1;
        } finally {
            if (statusFile != null) {
                try {
                    Files.deleteIfExists(statusFile);
                } catch (IOException ignored) {
                    // A temporary file of a few bytes.
                }
            }
        }
    }

    /**
     * Joins the option arguments: {@code proxy=socks5://h:1080 bypass=none} and {@code proxy=...,bypass=none}
     * alike. {@code @file} stands for the file's lines ({@code key=value} each, blank lines and {@code #} comments
     * skipped), so that a password need not appear in the process list.
     */
    static String options(String[] args) throws IOException {
        List<String> options = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("@") && arg.length() > 1) {
                // The same reading as -javaagent's @file (OptionFiles): here, so that the attacher's file is read.
                options.addAll(io.socksify.agent.config.OptionFiles.lines(Path.of(arg.substring(1))));
            } else {
                options.add(arg);
            }
        }
        return String.join(",", options);
    }

    /** @return null when the agent loaded and its {@code agentmain} returned, else what went wrong */
    private static String load(String pid, Path jar, String agentArgs) {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(pid);
        } catch (AttachNotSupportedException | IOException e) {
            return "cannot attach to process " + pid + " (no such JVM, another user's, or run with"
                    + " -XX:+DisableAttachMechanism): " + e.getMessage();
        }
        try {
            vm.loadAgent(jar.toString(), agentArgs);
            return null;
        } catch (AgentInitializationException e) {
            return "the agent did not start in the target: " + e.getMessage();
        } catch (AgentLoadException e) {
            // JDK 21 and later refuse here when run with -XX:-EnableDynamicAgentLoading.
            return "the target could not load " + jar + ": " + e.getMessage();
        } catch (IOException e) {
            return "lost the connection to the target while loading the agent: " + e;
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // Detaching only closes our end.
            }
        }
    }

    /**
     * The target writes the status file with its own rights: when root attaches to another user's JVM, the file
     * becomes that user's (the process's owner is the owner of its {@code /proc} entry on Linux).
     */
    private static void handOver(Path statusFile, String pid) {
        Path proc = Path.of("/proc", pid);
        try {
            if (Files.exists(proc)) {
                UserPrincipal owner = Files.getOwner(proc);
                if (!owner.equals(Files.getOwner(statusFile))) {
                    Files.setOwner(statusFile, owner);
                }
            }
        } catch (IOException | UnsupportedOperationException | SecurityException ignored) {
            // Only root can give a file away; otherwise both run as the same user anyway.
        }
    }

    /** The jar this command runs from: the one to load into the target. */
    static Path ownJar() {
        try {
            Path path = Path.of(AttachCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(path) || !path.toString().endsWith(".jar")) {
                throw new IllegalStateException("attach must run from socksify-agent.jar (java -jar"
                        + " socksify-agent.jar attach ...), not from " + path);
            }
            return path.toAbsolutePath();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell which jar this command runs from: " + e);
        }
    }
}
