package io.socksify.agent.install;

import io.socksify.agent.bootstrap.dns.NameDispatcher;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.dns.RemoteNames;

/** Names the application resolves itself ({@code dns=remote}): DNS-DESIGN.md. */
final class NameTransport implements Transport, Transport.Commit {
    @Override
    public String name() {
        return "names";
    }

    @Override
    public Hook[] hooks() {
        return Hooks.names();
    }

    @Override
    public void checkJdk() {
        // Everything the name hooks rely on is in their rows.
    }

    @Override
    public Commit prepare(Router router) {
        RemoteNames.prepare(router);
        return this; // not a method reference: each spins a class while the JVM starts
    }

    @Override
    public void commit() {
        RemoteNames.install();
    }

    @Override
    public void clear() {
        NameDispatcher.install(null);
    }
}
