package io.socksify.agent.route.dns;

import io.socksify.agent.bootstrap.dns.NameDispatcher;
import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.route.Route;
import io.socksify.agent.route.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The policy and the router's translation, without instrumentation: the dispatcher is called as the prologues do. */
class RemoteNamesTest {
    private static Router activate(String args) {
        Router router = new Router(AgentConfig.parse(args, new Properties()));
        RemoteNames.prepare(router); // as the name transport does: before the switch
        io.socksify.agent.route.Routing.publish(router);
        RemoteNames.install();
        return router;
    }

    private static InetAddress placeholder(String name) throws UnknownHostException {
        InetAddress[] a = NameDispatcher.lookup(name);
        return a == null ? null : a[0];
    }

    @AfterEach
    void uninstall() {
        NameDispatcher.install(null);
    }

    @Test
    void remoteDnsAnswersRoutedNamesWithPlaceholders() throws Exception {
        activate("proxy=socks5h://proxy.example:1080,bypass=*.corp.example:443|10.0.0.0/8");
        InetAddress a = placeholder("db.example");
        assertNotNull(a);
        assertEquals("db.example", a.getHostName());
        assertTrue(a.getHostAddress().startsWith("198.1"), a.toString());
        assertEquals(a, placeholder("DB.example."), "the same name, the same address");
        assertEquals("db.example", NameDispatcher.reverse(a.getAddress()));
        for (String local : new String[] {"localhost", "app.localhost", "x.corp.example", "proxy.example",
            "10.1.2.3", "::1"}) {
            assertNull(placeholder(local), local);
        }
    }

    @Test
    void ipv6OnlyLookupsGetAnIpv6Placeholder() throws Exception {
        activate("proxy=socks5h://10.1.2.3:1080");
        InetAddress v6 = NameDispatcher.lookup("v6.example", 2).findFirst().orElseThrow();
        assertEquals("v6.example", v6.getHostName());
        assertTrue(v6.getHostAddress().startsWith("100:0:0:0:0:0:"), v6.toString());
        InetAddress v4 = NameDispatcher.lookup("v6.example", 1 | 2 | 8).findFirst().orElseThrow();
        assertTrue(v4.getHostAddress().startsWith("198.1"), v4.toString());
    }

    @Test
    void localDnsAndSocks4LookEverythingUpHere() throws Exception {
        activate("proxy=socks5h://10.1.2.3:1080,dns=local");
        assertNull(placeholder("db.example"));
        activate("proxy=socks5://10.1.2.3:1080");
        assertNull(placeholder("db.example"));
        activate("proxy=socks4://10.1.2.3:1080");
        assertNull(placeholder("db.example"));
    }

    @Test
    void thisMachinesOwnNameResolvesHereAfterAReattachFromLocalToRemote() throws Exception {
        String own = InetAddress.getLocalHost().getHostName(); // no policy installed yet: looked up here
        activate("proxy=socks5h://10.1.2.3:1080,dns=local");
        assertNull(placeholder(own));
        activate("proxy=socks5h://10.1.2.3:1080");
        assertNull(placeholder(own), "getLocalHost() of a dns=remote JVM must not ask the proxy for " + own);
        assertNotNull(placeholder("db.example"), "a routed name still gets a placeholder");
    }

    @Test
    void thePlaceholderTravelsAsTheName() throws Exception {
        Router router = activate("proxy=socks5h://10.1.2.3:1080,bypass=none");
        InetSocketAddress destination = new InetSocketAddress(placeholder("web.example"), 443);
        Route route = router.route(destination);
        assertFalse(route.direct());
        assertTrue(route.target().isUnresolved());
        assertEquals("web.example", route.target().getHostString());
        assertEquals(443, route.target().getPort());
        assertSame(destination, route.reported());

        // An address object made from the bytes alone still stands for the name.
        InetAddress bare = InetAddress.getByAddress(destination.getAddress().getAddress());
        assertEquals("web.example", router.route(new InetSocketAddress(bare, 80)).target().getHostString());

        // After a re-attach with dns=local the name still goes to the proxy: only it can resolve what it stands for.
        Router local = activate("proxy=socks5h://10.1.2.3:1080,bypass=none,dns=local");
        assertEquals("web.example", local.route(destination).target().getHostString());
    }

    @Test
    void aPlaceholderNeverGoesDirect() throws Exception {
        activate("proxy=socks5h://10.1.2.3:1080");
        InetAddress a = placeholder("intranet.example");
        InetSocketAddress destination = new InetSocketAddress(a, 80);

        Router bypassing = activate("proxy=socks5h://10.1.2.3:1080,bypass=198.18.0.0/15");
        ConnectException e = assertThrows(ConnectException.class, () -> bypassing.route(destination));
        assertTrue(e.getMessage().startsWith("socksify: intranet.example was resolved by the proxy"), e.getMessage());
        assertTrue(e.getMessage().contains("bypass 198.18.0.0/15"), e.getMessage());

        Router socks4 = activate("proxy=socks4://10.1.2.3:1080,bypass=none");
        assertThrows(UnknownHostException.class, () -> socks4.route(destination));

        NoRouteToHostException direct = assertThrows(NoRouteToHostException.class,
                () -> NameDispatcher.checkDirect(destination));
        assertTrue(direct.getMessage().startsWith("socksify: intranet.example was resolved by the proxy"),
                direct.getMessage());
        assertDoesNotThrow(() -> NameDispatcher.checkDirect(new InetSocketAddress("10.0.0.1", 80)));
        // An address of the range socksify never handed out is a real one.
        assertDoesNotThrow(() -> NameDispatcher.checkDirect(InetAddress.getByName("198.19.255.200")));
    }
}
