package io.socksify.agent.bootstrap;

import java.util.concurrent.ThreadFactory;

/**
 * The threads of the embedded SOCKS server ({@code proxy=embedded}), whose connections and datagrams go direct (routed,
 * the server would connect through itself). They are known by identity, not by name: the installer hands this factory
 * to the server, whose threads mark themselves before running anything; an application thread named like them is
 * routed as any other.
 */
public final class ServerThreads implements ThreadFactory {
    private static final ThreadLocal<Boolean> SERVER = new ThreadLocal<>();

    /** @return whether the current thread is one of the embedded server's */
    public static boolean current() {
        return SERVER.get() != null;
    }

    @Override
    public Thread newThread(Runnable task) {
        return new Thread(new Marked(task));
    }

    private static final class Marked implements Runnable {
        private final Runnable task;

        Marked(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            SERVER.set(Boolean.TRUE);
            task.run();
        }
    }
}
