package io.socksify.agent.install;

import io.socksify.agent.bootstrap.udp.DatagramDispatcher;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.udp.DatagramRouting;

/** UDP: {@code DatagramChannel} and {@code DatagramSocket} (an adaptor over the channel): UDP-DESIGN.md. */
final class DatagramTransport implements Transport, Transport.Commit {
    private final java.util.Set<String> loaded;
    private Router prepared;

    /** @param loaded the binary names of the hooked classes the JVM has loaded (filled before {@link #prepare}) */
    DatagramTransport(java.util.Set<String> loaded) {
        this.loaded = loaded;
    }

    @Override
    public String name() {
        return "datagrams";
    }

    @Override
    public Hook[] hooks() {
        return Hooks.datagram();
    }

    @Override
    public void checkJdk() {
        // The legacy datagram impl and a DatagramSocketImplFactory depend on the configuration's udp mode: checked
        // by DatagramRouting as it installs.
    }

    @Override
    public Commit prepare(Router router) throws ReflectiveOperationException {
        // What can refuse the configuration (JDK 17's legacy datagram impl, an impl factory) is checked here.
        DatagramRouting.check(router, loaded.contains("java.net.DatagramSocket"));
        prepared = router;
        return this; // not a lambda: each lambda spins a class while the JVM starts
    }

    @Override
    public void commit() {
        DatagramRouting.commit(prepared);
    }

    @Override
    public void clear() {
        DatagramDispatcher.install(null);
    }
}
