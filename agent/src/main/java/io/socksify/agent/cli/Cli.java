package io.socksify.agent.cli;

import io.socksify.agent.config.AgentConfig;
import io.socksify.protocol.server.SocksServerCommand;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code java -jar socksify-agent.jar <command>}. */
public final class Cli {
    private Cli() {
    }

    static final String USAGE = """
            usage: java -jar socksify-agent.jar <command>

            commands:
              server [options]   run socksify's SOCKS4/4a/5 server (server --help for its options)
              list               the JVMs this user can attach to: pid, main class or jar
              attach <pid> [key=value ...]
                                 load socksify into a running JVM (the keys below); again: reconfigure it;
                                 @file reads key=value lines from a file (keeps a password out of ps)
              attach <pid> off   new connections of that JVM go direct again; 'on' routes them again
              status <pid>       socksify's configuration and counters in that JVM (its MBean io.socksify:type=Agent)
              --help             this text

            as an agent:
              java -javaagent:socksify-agent.jar=proxy=socks5h://host:1080[,key=value...] -jar app.jar
              keys (also as -Dsocksify.<key>=value; agent options win): %s
            """;

    /** {@code java -jar socksify-agent.jar ...}: the jar's {@code Main-Class}. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** @return the process exit status */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(USAGE.formatted(String.join(", ", AgentConfig.KEYS)));
            return args.length == 0 ? 2 : 0;
        }
        switch (args[0]) {
            case "server" -> {
                return SocksServerCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err, null);
            }
            case "list" -> {
                // Checked here, before the command's class (which refers to jdk.attach's types) is even linked.
                if (AttachApi.missing(err)) {
                    return 3;
                }
                return ListCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            }
            case "attach" -> {
                if (AttachApi.missing(err)) {
                    return 3;
                }
                return AttachCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            }
            case "status" -> {
                if (AttachApi.missing(err)) {
                    return 3;
                }
                return StatusCommand.run(Arrays.copyOfRange(args, 1, args.length), out, err);
            }
            default -> {
                err.println("socksify: unknown command '" + args[0]
                        + "' (expected: server, list, attach, status or --help)");
                return 2;
            }
        }
    }
}
