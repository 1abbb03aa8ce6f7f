package io.socksify.agent.install;

import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.nio.ChannelRouting;

/** NIO {@code SocketChannel}s, blocking, selector-driven and asynchronous: NIO-DESIGN.md. */
final class ChannelTransport implements Transport, Transport.Commit {
    @Override
    public String name() {
        return "channels";
    }

    @Override
    public Hook[] hooks() {
        return Hooks.channel();
    }

    @Override
    public void checkJdk() {
        // The sun.nio.ch members the routing uses are checked by ChannelRouting (JdkChannels) on the first connect.
    }

    @Override
    public Commit prepare(Router router) throws ReflectiveOperationException {
        // Installed once, before the switch: it reads the routing state once per connection, so installing it early
        // changes nothing. The embedded server's own connections (channels, on its ServerThreads) go direct.
        ChannelRouting.install();
        return this; // not a lambda: each lambda spins a class while the JVM starts
    }

    @Override
    public void commit() {
        // Installed by prepare.
    }

    @Override
    public void clear() {
        ChannelDispatcher.install(null);
    }
}
