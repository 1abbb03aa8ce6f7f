package io.socksify.agent.install;

import io.socksify.agent.route.JavaBaseAccess;
import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.SocketRouting;

import java.lang.reflect.Field;
import java.util.Set;

/** {@code java.net.Socket} (and {@code SSLSocket}, {@code HttpURLConnection}, {@code ftp://}): SOCKET-DESIGN.md. */
final class SocketTransport implements Transport, Transport.Commit {
    /** The socket connector, once installed (a re-attach keeps it: the routing state it reads is what changes). */
    private static SocketRouting routing;
    private final Set<String> loaded;
    private SocketRouting prepared;

    /** @param loaded the binary names of the hooked classes the JVM has loaded */
    SocketTransport(Set<String> loaded) {
        this.loaded = loaded;
    }

    @Override
    public String name() {
        return "sockets";
    }

    @Override
    public Hook[] hooks() {
        return Hooks.socket();
    }

    /**
     * Refuses a JVM whose application set a {@code SocketImplFactory} already (an attach): its sockets could not be
     * routed. While the JVM starts {@code java.net.Socket} is not loaded, so no factory can have been set.
     */
    @Override
    public void checkJdk() throws ReflectiveOperationException {
        if (!loaded.contains("java.net.Socket")) {
            return;
        }
        JavaBaseAccess.open();
        Field factory = Class.forName("java.net.Socket", false, null).getDeclaredField("factory");
        factory.setAccessible(true); // java.net is open to the agent (JavaBaseAccess)
        if (factory.get(null) != null) {
            throw new IllegalStateException("the application set a SocketImplFactory (" + factory.get(null)
                    + "): its sockets could not be routed");
        }
    }

    @Override
    public Commit prepare(Router router) throws ReflectiveOperationException {
        // Built once (it makes its method handles when the first socket is routed); it reads the routing state
        // once per connection.
        prepared = routing != null ? routing : new SocketRouting();
        return this; // not a lambda: each lambda spins a class while the JVM starts
    }

    @Override
    public void commit() {
        routing = prepared;
        Dispatcher.install(prepared);
    }

    @Override
    public void clear() {
        routing = null;
        Dispatcher.install(null);
    }
}
