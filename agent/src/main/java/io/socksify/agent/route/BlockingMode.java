package io.socksify.agent.route;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.SocketImpl;

/**
 * Puts a socket's platform impl ({@code sun.nio.ch.NioSocketImpl}) back into the blocking mode it had before
 * socksify's handshake. The handshake bounds each read with SO_TIMEOUT (and JDK 25 also the connect to the proxy),
 * and {@code NioSocketImpl} serves a timed operation by switching its file descriptor to non-blocking mode for good:
 * every later read or write that has to wait then costs a failed system call and a {@code poll} before the real
 * one. A direct connection made without a timeout, or the JDK's own SOCKS client given none, stays in blocking mode,
 * so socksify's connection must too (AgentTcpBenchmark measured the difference). The impl switches to non-blocking
 * again by itself whenever the application makes a timed call, so blocking mode is always a valid state.
 *
 * <p>Only performance depends on this: on a JDK without these members nothing is changed.
 */
final class BlockingMode {
    private static final Members MEMBERS = Members.find();

    private BlockingMode() {
    }

    private record Members(Class<?> impl, Field nonBlocking, Field fd, Method configureBlocking) {
        static Members find() {
            try {
                JavaBaseAccess.open();
                Class<?> impl = Class.forName("sun.nio.ch.NioSocketImpl", false, null);
                Field nonBlocking = impl.getDeclaredField("nonBlocking");
                Field fd = SocketImpl.class.getDeclaredField("fd");
                Method configure = Class.forName("sun.nio.ch.IOUtil", false, null)
                        .getDeclaredMethod("configureBlocking", FileDescriptor.class, boolean.class);
                // java.net and sun.nio.ch are open to the agent (JavaBaseAccess, above).
                nonBlocking.setAccessible(true);
                fd.setAccessible(true);
                configure.setAccessible(true);
                return new Members(impl, nonBlocking, fd, configure);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }

    /** @return whether {@code delegate} is a platform impl in blocking mode (false when that cannot be told) */
    static boolean isBlocking(SocketImpl delegate) {
        Members m = MEMBERS;
        if (m == null || delegate.getClass() != m.impl()) {
            return false;
        }
        try {
            return !m.nonBlocking().getBoolean(delegate);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Switches {@code delegate} back to blocking mode; called right after the handshake, before the application
     * holds the connected socket, so no other thread is in a read or write of it.
     */
    static void restoreBlocking(SocketImpl delegate) {
        Members m = MEMBERS;
        if (m == null || delegate.getClass() != m.impl()) {
            return;
        }
        try {
            if (m.nonBlocking().getBoolean(delegate)) {
                FileDescriptor fd = (FileDescriptor) m.fd().get(delegate);
                m.configureBlocking().invoke(null, fd, true);
                m.nonBlocking().setBoolean(delegate, false);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Left non-blocking: slower waits, same behaviour.
        }
    }
}
