package io.socksify.agent.jmx;

import java.util.Map;

/**
 * What socksify shows over JMX as {@code io.socksify:type=Agent}: the active configuration (never a password) and
 * counters since the agent was installed. Read-only: switching routing is the attacher's job, not a remote client's.
 */
public interface AgentMXBean {
    String getVersion();

    /** @return {@code premain} (started with {@code -javaagent}) or {@code agentmain} (attached) */
    String getInstalledBy();

    /** @return whether new connections are routed; false after {@code attach <pid> off} */
    boolean isRouting();

    /** @return the active configuration, password masked, e.g. {@code proxy=socks5://127.0.0.1:1080 dns=local ...} */
    String getConfiguration();

    /** @return the proxy, password masked */
    String getProxy();

    String getBypass();

    String getDns();

    String getUdp();

    /** @return how many times the configuration was installed or replaced (1 + re-attaches, on/off excluded) */
    long getConfigurations();

    long getConnectionsRouted();

    long getConnectionsBypassed();

    long getConnectionsFailed();

    /** @return failures by reason: the type of exception the application got, or {@code internal error} */
    Map<String, Long> getFailuresByReason();

    /** @return direct connections or datagrams refused because socksify could not route them (nothing was sent) */
    long getLeaksBlocked();

    long getUdpAssociations();

    long getUdpDatagramsSent();

    long getUdpDatagramsReceived();

    /**
     * @return datagrams dropped at a socket with a UDP association: not from its relay, fragments, malformed, or a
     *         GSS-API token that does not verify
     */
    long getUdpDatagramsDropped();

    /**
     * @return proxy handshakes that succeeded by the method the proxy selected ({@code none},
     *         {@code username/password}, {@code gssapi}): one per TCP connection through one proxy (a chain counts
     *         each hop) and one per UDP association
     */
    Map<String, Long> getConnectionsByAuthMethod();

    /** @return the route table in matching order, one rule a line ({@code rule 1 *.corp->socks5://b:1080 -> ...}) */
    String[] getRoutes();

    /** @return each proxy of every route: connections routed, failures by reason, whether it is marked down */
    String[] getProxies();
}
