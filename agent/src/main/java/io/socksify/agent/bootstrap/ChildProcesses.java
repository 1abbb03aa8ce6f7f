package io.socksify.agent.bootstrap;

import java.io.IOException;
import java.util.Map;

/**
 * Called from the prologue of {@code java.lang.ProcessImpl.start} (which {@code ProcessBuilder.start} and so
 * {@code Runtime.exec} go through) with the child's environment ({@code null}: this JVM's own) and an empty
 * {@code ProcessEnvironment} map the prologue made in {@code java.lang} (the JDK casts the environment it gets to
 * that package-private type). With {@code children=inherit} the result is a copy carrying socksify's settings:
 * {@code JAVA_TOOL_OPTIONS} with this agent first (so a child JVM routes the same way), the proxy password in
 * {@code SOCKSIFY_PROXY_PASSWORD} (never on a command line, and not in {@code JAVA_TOOL_OPTIONS}, which every JVM
 * echoes to its stderr), and {@code ALL_PROXY}/{@code all_proxy}, {@code NO_PROXY}/{@code no_proxy} for the tools
 * that read them. The application's own map is never changed.
 */
public final class ChildProcesses {
    public static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";
    private static final String[] INHERITED = {"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
        "SOCKSIFY_PROXY_PASSWORD"};

    /**
     * This agent's options for a child JVM (its {@code -javaagent:} option is made when the first child starts:
     * finding the jar's path costs start-up time), then the values of {@link #INHERITED} (null: leave unset).
     */
    private static volatile String[] settings;

    private ChildProcesses() {
    }

    /**
     * @param agentOptions the agent options a child JVM gets after {@code -javaagent:<this jar>=}, or null to
     *                     leave children alone ({@code children=none})
     * @param allProxy  the proxy URL for other tools (with the password: curl cannot take it elsewhere), or null
     * @param noProxy   the bypass list in curl's syntax, or null
     * @param password  the proxy password a child agent reads from {@code SOCKSIFY_PROXY_PASSWORD}, or null
     */
    public static void configure(String agentOptions, String allProxy, String noProxy, String password) {
        settings = agentOptions == null ? null
                : new String[] {agentOptions, allProxy, allProxy, noProxy, noProxy, password};
    }

    public static Map<String, String> environment(Map<String, String> environment, Map<String, String> fresh)
            throws IOException {
        String[] s = settings;
        if (s == null || !Dispatcher.routing()) {
            return environment;
        }
        try {
            Map<String, String> own = System.getenv();
            fresh.putAll(environment == null ? own : environment);
            String javaAgent = quote("-javaagent:" + AgentJar.path() + "=" + s[0]);
            fresh.put(JAVA_TOOL_OPTIONS, javaToolOptions(javaAgent, fresh.get(JAVA_TOOL_OPTIONS)));
            for (int i = 0; i < INHERITED.length; i++) {
                String name = INHERITED[i];
                String value = fresh.get(name);
                // A value the application chose for this child (not the one this JVM has) is the application's.
                if (value != null && !value.equals(own.get(name))) {
                    continue;
                }
                if (s[i + 1] == null) {
                    fresh.remove(name);
                } else {
                    fresh.put(name, s[i + 1]);
                }
            }
            return fresh;
        } catch (RuntimeException | LinkageError e) {
            // Started without the settings the child would run unrouted: fail the start instead.
            throw new IOException("socksify: cannot pass its configuration to the child process: " + e, e);
        }
    }

    /**
     * {@code javaAgent} first, then the child's own options without any socksify agent already in them (this JVM's
     * own {@code JAVA_TOOL_OPTIONS} may carry one with an older configuration): one agent per child JVM.
     */
    public static String javaToolOptions(String javaAgent, String current) {
        StringBuilder out = new StringBuilder(javaAgent);
        if (current == null) {
            return out.toString();
        }
        for (String option : splitOptions(current)) {
            if (isSocksifyAgent(option)) {
                continue;
            }
            out.append(' ').append(quote(option));
        }
        return out.toString();
    }

    private static boolean isSocksifyAgent(String option) {
        if (!option.startsWith("-javaagent:")) {
            return false;
        }
        int eq = option.indexOf('=');
        String jar = eq < 0 ? option : option.substring(0, eq);
        return jar.endsWith("socksify-agent.jar");
    }

    /** Splits as the JVM does: on white space, with '...' and "..." quoting (JDK 9 and later). */
    public static java.util.List<String> splitOptions(String options) {
        java.util.List<String> out = new java.util.ArrayList<>();
        StringBuilder current = null;
        char quote = 0;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    current.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                current = current == null ? new StringBuilder() : current;
            } else if (Character.isWhitespace(c)) {
                if (current != null) {
                    out.add(current.toString());
                    current = null;
                }
            } else {
                current = current == null ? new StringBuilder() : current;
                current.append(c);
            }
        }
        if (current != null) {
            out.add(current.toString());
        }
        return out;
    }

    /** Quotes an option that the JVM would otherwise split. */
    public static String quote(String option) {
        boolean plain = true;
        for (int i = 0; i < option.length(); i++) {
            char c = option.charAt(i);
            if (Character.isWhitespace(c) || c == '\'' || c == '"') {
                plain = false;
                break;
            }
        }
        if (plain) {
            return option;
        }
        return option.indexOf('"') < 0 ? '"' + option + '"' : '\'' + option + '\'';
    }
}
