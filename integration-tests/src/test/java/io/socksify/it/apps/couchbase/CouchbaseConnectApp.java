package io.socksify.it.apps.couchbase;

import com.couchbase.client.core.deps.io.netty.channel.epoll.Epoll;
import com.couchbase.client.java.Cluster;
import com.couchbase.client.java.ClusterOptions;

import java.time.Duration;

/**
 * The Couchbase Java SDK (its relocated Netty has a native epoll library) bootstrapping against
 * {@code couchbase://<host>:<port>} (the port taken as the KV port), where no real server listens: only where its
 * connections arrive matters. Prints {@code EPOLL_AVAILABLE}, {@code EPOLL_CAUSE} of the relocated copy, then
 * {@code FAILED <exception>} (the expected end: exit 3) or {@code OK}.
 */
public final class CouchbaseConnectApp {
    private CouchbaseConnectApp() {
    }

    public static void main(String[] args) {
        System.out.println("EPOLL_AVAILABLE " + Epoll.isAvailable());
        Throwable cause = Epoll.unavailabilityCause();
        System.out.println("EPOLL_CAUSE " + (cause == null ? "null" : cause.getMessage()));
        System.out.flush();
        try (Cluster cluster = Cluster.connect("couchbase://" + args[0] + ":" + args[1],
                ClusterOptions.clusterOptions("user", "password")
                        .environment(env -> env.timeoutConfig(t -> t.connectTimeout(Duration.ofSeconds(3)))))) {
            cluster.waitUntilReady(Duration.ofSeconds(8));
            System.out.println("OK");
        } catch (RuntimeException e) {
            System.out.println("FAILED " + e.toString().replace('\n', ' '));
            System.out.flush();
            System.exit(3);
        }
    }
}
