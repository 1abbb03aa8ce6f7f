package io.socksify.agent.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How an attached agent confirms to {@code socksify attach} what it did. The attach API only says whether
 * {@code agentmain} threw, never why; so the attacher creates an empty file and passes its path as the last agent
 * option, {@code attachStatus=<path>}, and the agent writes one line into it before {@code agentmain} returns:
 * <pre>
 * ok routing through socks5://127.0.0.1:1080 (dns=local, udp=proxy, bypass=none)
 * error socksify: proxy: 'socks9://x' (expected: socks5://...)
 * </pre>
 * An empty file after the load means the agent never got that far (an older socksify, or no write access).
 * {@code jcmd <pid> JVMTI.agent_load} passes no such option: the agent then writes nothing.
 */
public final class AttachStatus {
    /** The agent option naming the status file; never part of the configuration. */
    public static final String KEY = "attachStatus";

    private final String options;
    private final Path file;

    private AttachStatus(String options, Path file) {
        this.options = options;
        this.file = file;
    }

    /** Splits the agent arguments into the configuration and the status file (none when not attached by the CLI). */
    public static AttachStatus parse(String agentArgs) {
        if (agentArgs == null || !agentArgs.contains(KEY + "=")) {
            return new AttachStatus(agentArgs, null);
        }
        List<String> kept = new ArrayList<>();
        Path file = null;
        for (String option : agentArgs.split(",")) {
            if (option.trim().startsWith(KEY + "=")) {
                file = Path.of(option.trim().substring(KEY.length() + 1));
            } else {
                kept.add(option);
            }
        }
        return new AttachStatus(String.join(",", kept), file);
    }

    /** @return the agent arguments with the status file option appended */
    static String withStatusFile(String options, Path file) {
        String path = file.toString();
        if (path.contains(",")) {
            throw new IllegalArgumentException("the status file's path contains a comma: " + path
                    + " (set java.io.tmpdir to a directory without one)");
        }
        return (options == null || options.isEmpty() ? "" : options + ",") + KEY + "=" + path;
    }

    /** @return the agent arguments without the status file option */
    public String options() {
        return options;
    }

    public void ok(String message) {
        write("ok " + message);
    }

    /** @return whether the attacher got the message (else {@code agentmain} must throw to report the failure) */
    public boolean error(String message) {
        return write("error " + message);
    }

    private boolean write(String line) {
        if (file == null) {
            return false;
        }
        try {
            Files.writeString(file, line.replace('\n', ' ') + "\n", StandardCharsets.UTF_8);
            return true;
        } catch (IOException | RuntimeException e) {
            // The attacher reports the missing confirmation; the target's stderr says why.
            System.err.println("socksify: cannot write the attach status to " + file + ": " + e);
            return false;
        }
    }

    /** What the attacher read back. */
    record Result(boolean ok, String message) {
        /** @return the result in {@code file}, or null when the agent wrote nothing */
        static Result read(Path file) throws IOException {
            String content = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (content.startsWith("ok ")) {
                return new Result(true, content.substring(3));
            }
            if (content.startsWith("error ")) {
                return new Result(false, content.substring(6));
            }
            return null;
        }
    }
}
