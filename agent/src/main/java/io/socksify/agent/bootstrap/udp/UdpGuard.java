package io.socksify.agent.bootstrap.udp;

/**
 * Marks, per thread, socksify's own calls into the original {@code DatagramChannelImpl} methods: the relay traffic of
 * an association goes through the same instrumented channel, and must reach the JDK untouched.
 */
public final class UdpGuard {
    private static final ThreadLocal<UdpGuard> CURRENT = ThreadLocal.withInitial(UdpGuard::new);

    private int depth;

    private UdpGuard() {
    }

    /** @return whether the current thread is inside one of socksify's calls into an original method */
    public static boolean inside() {
        return CURRENT.get().depth > 0;
    }

    /** Marks the start of a call into an original method; pair with {@link #exit()} in a {@code finally}. */
    public static UdpGuard enter() {
        UdpGuard g = CURRENT.get();
        g.depth++;
        return g;
    }

    public void exit() {
        depth--;
    }
}
