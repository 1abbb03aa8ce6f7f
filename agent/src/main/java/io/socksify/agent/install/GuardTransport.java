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
final class GuardTransport implements Transport, Transport.Commit {
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
        return this; // not a method reference: each spins a class while the JVM starts
    }

    @Override
    public void commit() {
        LeakGuard.install();
    }

    @Override
    public void clear() {
        ConnectGuard.install(null);
    }
}
