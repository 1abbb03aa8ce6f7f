package io.socksify.it.apps;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts processes the way an application does, run under the agent by {@code ChildProcessIT}:
 * {@code SpawnApp <command> [args] [;; <command> [args]]...}. Each command runs in turn with
 * {@code ProcessBuilder.start} (the first) or {@code Runtime.exec} (the others), its output going to this JVM's
 * stdout and stderr, and prints {@code EXIT <i> <exit code>}. An environment variable the application chose for
 * the child is given with {@code env:NAME=value} before a command.
 */
public final class SpawnApp {
    private SpawnApp() {
    }

    public static void main(String[] args) throws Exception {
        List<List<String>> commands = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals(";;")) {
                commands.add(current);
                current = new ArrayList<>();
            } else {
                current.add(arg);
            }
        }
        commands.add(current);
        for (int i = 0; i < commands.size(); i++) {
            List<String> command = new ArrayList<>(commands.get(i));
            List<String> env = new ArrayList<>();
            while (command.get(0).startsWith("env:")) {
                env.add(command.remove(0).substring("env:".length()));
            }
            Process p;
            if (i == 0) {
                ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
                for (String e : env) {
                    String[] kv = e.split("=", 2);
                    builder.environment().put(kv[0], kv[1]);
                }
                p = builder.start();
            } else {
                // Runtime.exec goes through ProcessBuilder too; envp null inherits this JVM's environment.
                p = Runtime.getRuntime().exec(command.toArray(new String[0]));
                p.getInputStream().transferTo(System.out);
                p.getErrorStream().transferTo(System.err);
            }
            int code = p.waitFor();
            System.out.flush();
            System.out.println("EXIT " + i + " " + code);
        }
    }
}
