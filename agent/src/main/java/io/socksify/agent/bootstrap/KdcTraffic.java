package io.socksify.agent.bootstrap;

import io.socksify.protocol.client.GssapiOptions;

/**
 * Marks, per thread, socksify's own Kerberos exchanges: JGSS talks to the KDCs of {@code krb5.conf} (TCP and UDP, and
 * the name lookups for them) inside the GSS-API login and {@code initSecContext} that authenticate socksify to a
 * proxy, on the thread running that handshake. Those connections are socksify's own, like its connection to the proxy,
 * and go direct: routed, they would need the very proxy they authenticate to (a handshake inside a handshake, without
 * end). An application's own Kerberos traffic, on its own threads, is routed as any other.
 */
public final class KdcTraffic implements GssapiOptions.KdcScope {
    public static final KdcTraffic SCOPE = new KdcTraffic();
    private static final ThreadLocal<int[]> DEPTH = new ThreadLocal<>();

    private KdcTraffic() {
    }

    /** @return whether the current thread is inside socksify's own Kerberos exchange */
    public static boolean current() {
        int[] depth = DEPTH.get();
        return depth != null && depth[0] > 0;
    }

    @Override
    public void enter() {
        int[] depth = DEPTH.get();
        if (depth == null) {
            depth = new int[1];
            DEPTH.set(depth);
        }
        depth[0]++;
    }

    @Override
    public void exit() {
        DEPTH.get()[0]--;
    }
}
