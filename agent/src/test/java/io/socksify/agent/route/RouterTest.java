package io.socksify.agent.route;

import io.socksify.agent.config.AgentConfig;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterTest {
    private static Router router(String args) {
        return new Router(AgentConfig.parse(args, new Properties()));
    }

    private static InetSocketAddress named(String name, String ip, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByAddress(name, InetAddress.getByName(ip).getAddress()), port);
    }

    @Test
    void theProxyItselfIsAlwaysDirect() throws Exception {
        Router r = router("proxy=socks5://10.1.2.3:1080,bypass=none");
        assertTrue(r.route(new InetSocketAddress("10.1.2.3", 1080)).direct());
        assertFalse(r.route(new InetSocketAddress("10.1.2.3", 1081)).direct());
        Router byName = router("proxy=socks5://proxy.example:1080,bypass=none");
        assertTrue(byName.route(InetSocketAddress.createUnresolved("PROXY.example", 1080)).direct());
    }

    @Test
    void bypassedDestinationsGoDirectUnchanged() throws Exception {
        Router r = router("proxy=socks5://10.1.2.3:1080");
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 80);
        Route route = r.route(loopback);
        assertTrue(route.direct());
        assertSame(loopback, route.target());
        assertEquals("bypass 127.0.0.0/8", route.reason());
    }

    @Test
    void remoteDnsSendsNamesEvenWhenResolvedHere() throws Exception {
        Router r = router("proxy=socks5h://10.1.2.3:1080,bypass=none");
        InetSocketAddress resolved = named("db.example", "192.0.2.7", 5432);
        Route route = r.route(resolved);
        assertFalse(route.direct());
        assertTrue(route.target().isUnresolved());
        assertEquals("db.example", route.target().getHostString());
        assertSame(resolved, route.reported());

        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("only.at.proxy.test", 80);
        assertSame(unresolved, r.route(unresolved).target());
    }

    @Test
    void ipLiteralsAreSentAsIps() throws Exception {
        Router r = router("proxy=socks5h://10.1.2.3:1080,bypass=none");
        InetSocketAddress ip = new InetSocketAddress("192.0.2.7", 80);
        assertSame(ip, r.route(ip).target());
    }

    @Test
    void localDnsSendsIps() throws Exception {
        Router r = router("proxy=socks5://10.1.2.3:1080,bypass=none");
        InetSocketAddress resolved = named("db.example", "192.0.2.7", 5432);
        assertSame(resolved, r.route(resolved).target());
        assertThrows(UnknownHostException.class,
                () -> r.route(InetSocketAddress.createUnresolved("no-such-host.invalid", 80)));
    }

    @Test
    void socks4RefusesNamesAndIpv6WithClearErrors() {
        Router r = router("proxy=socks4://10.1.2.3:1080,bypass=none");
        UnknownHostException name = assertThrows(UnknownHostException.class,
                () -> r.route(InetSocketAddress.createUnresolved("example.com", 80)));
        assertTrue(name.getMessage().contains("SOCKS4"), name.getMessage());
        ConnectException v6 = assertThrows(ConnectException.class, () -> r.route(new InetSocketAddress("2001:db8::1", 80)));
        assertTrue(v6.getMessage().contains("IPv6"), v6.getMessage());
        Router socks4a = router("proxy=socks4a://10.1.2.3:1080,bypass=none");
        assertThrows(ConnectException.class, () -> socks4a.route(new InetSocketAddress("2001:db8::1", 80)));
    }

    @Test
    void socks4aSendsNamesOfIpv6Hosts() throws Exception {
        Router r = router("proxy=socks4a://10.1.2.3:1080,bypass=none");
        Route route = r.route(named("v6.example", "2001:db8::1", 80));
        assertTrue(route.target().isUnresolved());
    }
}
