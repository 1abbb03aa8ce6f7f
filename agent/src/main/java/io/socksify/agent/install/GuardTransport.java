package io.socksify.agent.install;

import io.socksify.agent.bootstrap.ConnectGuard;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.route.LeakGuard;
import io.socksify.agent.route.Router;

/**
 * The last-line guard where the JDK reaches the operating system ({@code Net.connect}, the datagram send): last in
 * {@code Installer.transports}, so it is armed once every other transport decides its connections. Its rows refuse
 * placeholder addresses from the start; destinations no router decided only once armed.
 */
final class GuardTransport implements Transport {
    @Override
    public String name() {
        return "last-line guard";
    }

    @Override
    public Hook[] hooks() {
        return Hooks.guard();
    }

    @Override
    public void checkJdk() {
        // Everything the guard relies on is in its rows.
    }

    @Override
    public Commit prepare(Router router) {
        return LeakGuard::install;
    }

    @Override
    public void clear() {
        ConnectGuard.install(null);
    }
}
