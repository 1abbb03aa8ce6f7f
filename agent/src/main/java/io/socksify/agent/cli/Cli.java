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
              attach <pid> ...   attach socksify to a running JVM (not yet: comes in a later release)
              --help             this text

            as an agent:
              java -javaagent:socksify-agent.jar=proxy=socks5h://host:1080[,key=value...] -jar app.jar
              keys (also as -Dsocksify.<key>=value; agent options win): %s
            """;

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
            case "attach" -> {
                err.println("socksify: 'attach' is not yet implemented (it comes in a later release);"
                        + " use -javaagent:socksify-agent.jar=... at start");
                return 2;
            }
            default -> {
                err.println("socksify: unknown command '" + args[0] + "' (expected: server, attach or --help)");
                return 2;
            }
        }
    }
}
