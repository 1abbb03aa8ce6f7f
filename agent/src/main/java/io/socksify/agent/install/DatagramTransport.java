package io.socksify.agent.install;

import io.socksify.agent.bootstrap.udp.DatagramDispatcher;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.udp.DatagramRouting;

/** UDP: {@code DatagramChannel} and {@code DatagramSocket} (an adaptor over the channel): UDP-DESIGN.md. */
final class DatagramTransport implements Transport {
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
        DatagramRouting.check(router);
        return () -> DatagramRouting.commit(router);
    }

    @Override
    public void clear() {
        DatagramDispatcher.install(null);
    }
}
