package io.socksify.agent.install;

import io.socksify.agent.bootstrap.ChildProcesses;
import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.ChildSettings;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.route.Router;

/**
 * Processes this JVM starts ({@code children=inherit}): a child JVM gets this agent with the same configuration
 * through {@code JAVA_TOOL_OPTIONS}, any other child {@code ALL_PROXY} and {@code NO_PROXY} (see
 * {@link ChildProcesses}).
 */
final class ChildTransport implements Transport, Transport.Commit {
    /** What {@link #commit} hands to {@link ChildProcesses#configure}: all null for {@code children=none}. */
    private String[] prepared = new String[4];

    @Override
    public String name() {
        return "child processes";
    }

    @Override
    public Hook[] hooks() {
        return Hooks.children();
    }

    /**
     * Nothing beyond the hook: the prologue's call of {@code ProcessEnvironment}'s package-private factory is checked
     * as {@code ProcessImpl} is rewritten ({@code ProcessImplRewrite}), so a start loads no class for it.
     */
    @Override
    public void checkJdk() {
    }

    /**
     * The agent's option is quoted as the JVM reads {@code JAVA_TOOL_OPTIONS} (a jar path may hold spaces); with
     * {@code children=none} the environment is left alone.
     */
    @Override
    public Commit prepare(Router router) {
        AgentConfig config = router.config();
        if (!config.inheritToChildren()) {
            return this; // not a lambda: each lambda spins a class while the JVM starts
        }
        // The -javaagent: option is completed with the jar's path when the first child starts (AgentJar).
        String agentOptions = ChildSettings.agentOptions(config);
        String allProxy = ChildSettings.allProxy(config);
        String noProxy = ChildSettings.noProxy(config.bypass());
        String password = ChildSettings.password(config);
        prepared = new String[] {agentOptions, allProxy, noProxy, password};
        return this;
    }

    @Override
    public void commit() {
        ChildProcesses.configure(prepared[0], prepared[1], prepared[2], prepared[3]);
    }

    @Override
    public void clear() {
        ChildProcesses.configure(null, null, null, null);
    }
}
