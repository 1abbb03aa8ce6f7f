package io.socksify.it.support;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A third-party SOCKS server run as a process by a test (Dante, microsocks): where it listens, where its relayed
 * traffic comes from, its credentials, and its lifecycle.
 */
public abstract class ExternalSocksPeer implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    final ExternalProcess process;
    private final InetSocketAddress address;
    private final InetAddress externalAddress;
    private final String username;
    private final String password;

    ExternalSocksPeer(String name, ExternalProcess process, InetSocketAddress address, InetAddress externalAddress,
            String username, String password) {
        this.name = name;
        this.process = process;
        this.address = address;
        this.externalAddress = externalAddress;
        this.username = username;
        this.password = password;
    }

    /** Where the server accepts SOCKS clients. */
    public InetSocketAddress address() {
        return address;
    }

    public String host() {
        return address.getAddress().getHostAddress();
    }

    public int port() {
        return address.getPort();
    }

    /** The address relayed connections and datagrams come from; 127.0.0.2 by default. */
    public InetAddress externalAddress() {
        return externalAddress;
    }

    /** The required user, or {@code null} without authentication. */
    public String username() {
        return username;
    }

    /** The required password, or {@code null} without authentication. */
    public String password() {
        return password;
    }

    /** The server's log so far. */
    public abstract String log();

    /** Command line, state, configuration and output: for failure messages. */
    public abstract String describe();

    /** The server's process (its children, Dante's, are {@code ProcessHandle} descendants of it). */
    public ProcessHandle processHandle() {
        return process.process().toHandle();
    }

    /** Fails with {@link #describe()} unless the server is still running. */
    public void assertRunning() {
        if (!process.isAlive()) {
            throw new AssertionError(name + " is no longer running\n" + describe());
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after a bounded wait) and waits for its processes. */
    @Override
    public void close() {
        process.terminate(STOP_TIMEOUT);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + host() + ":" + port() + ", external "
                + externalAddress.getHostAddress() + (username == null ? ", no auth" : ", user " + username) + "]";
    }
}
