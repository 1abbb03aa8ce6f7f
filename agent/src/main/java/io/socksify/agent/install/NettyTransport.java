package io.socksify.agent.install;

import io.socksify.agent.bootstrap.netty.NettyDispatcher;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.netty.NativeConnectGuard;

/**
 * Netty's native transports (NETTY-DESIGN.md), under any relocation prefix: they connect outside the JDK, so only
 * bypassed destinations may go there. Their classes are the application's, found by name as they load by
 * {@link io.socksify.agent.instrument.NettyNativeTransformer}, so this transport has no rows in the JDK hook table.
 */
final class NettyTransport implements Transport, Transport.Commit {
    private Router prepared;

    @Override
    public String name() {
        return "Netty native transports";
    }

    @Override
    public Hook[] hooks() {
        return new Hook[0];
    }

    @Override
    public void checkJdk() {
        // Nothing of the JDK: the transformer checks each Netty class's shape as it loads.
    }

    @Override
    public Commit prepare(Router router) {
        prepared = router;
        return this; // not a lambda: each lambda spins a class while the JVM starts
    }

    @Override
    public void commit() {
        NativeConnectGuard.install(prepared);
    }

    @Override
    public void clear() {
        NettyDispatcher.install(null);
    }
}
