package io.socksify.agent.route;

import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.Chain;
import io.socksify.agent.config.Via;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Route selection: first match wins, bypass before routes, the tries agree with the patterns' own semantics. */
@Timeout(10)
class RouteMatchTest {
    private static Router router(String args) {
        return new Router(AgentConfig.parse(args, new Properties()));
    }

    private static String via(Router r, InetSocketAddress destination) throws Exception {
        Route route = r.route(destination);
        return route.direct() ? "direct" : route.via().toString();
    }

    @Test
    void firstMatchWinsAndNoMatchTakesTheProxy() throws Exception {
        Router r = router("proxy=socks5h://10.9.9.9:1080,bypass=none,routes=db.corp.example->direct;"
                + "*.corp.example->socks5://10.1.1.1:1080;10.0.0.0/8:22->socks5://10.2.2.2:1080;"
                + "10.0.0.0/8->socks5://10.3.3.3:1080;10.5.0.0/16->direct");
        assertEquals("direct", via(r, InetSocketAddress.createUnresolved("DB.corp.example.", 5432)));
        assertEquals("socks5://10.1.1.1:1080", via(r, InetSocketAddress.createUnresolved("a.b.corp.example", 1)));
        // *.suffix matches below the suffix only.
        assertEquals("socks5h://10.9.9.9:1080", via(r, InetSocketAddress.createUnresolved("corp.example", 1)));
        assertEquals("socks5://10.2.2.2:1080", via(r, new InetSocketAddress("10.5.1.1", 22)));
        // The /16 direct rule comes after the /8 one: first match wins, not the longest prefix.
        assertEquals("socks5://10.3.3.3:1080", via(r, new InetSocketAddress("10.5.1.1", 80)));
        assertEquals("socks5h://10.9.9.9:1080", via(r, new InetSocketAddress("192.0.2.1", 80)));
    }

    @Test
    void bypassComesBeforeRoutes() throws Exception {
        Router r = router("proxy=socks5://10.9.9.9:1080,bypass=10.1.0.0/16,routes=10.0.0.0/8->block");
        assertEquals("direct", via(r, new InetSocketAddress("10.1.2.3", 80)));
        RouteBlockedException e = assertThrows(RouteBlockedException.class,
                () -> r.route(new InetSocketAddress("10.2.2.3", 80)));
        assertTrue(e.getMessage().contains("rule 1 10.0.0.0/8->block"), e.getMessage());
    }

    @Test
    void ipv6AndGlobsNotInTheTries() throws Exception {
        Router r = router("proxy=socks5://10.9.9.9:1080,bypass=none,routes=2001:db8::/32->direct;web*->direct;"
                + "192.168.*->direct");
        assertEquals("direct", via(r, new InetSocketAddress("2001:db8::1", 80)));
        assertEquals("socks5://10.9.9.9:1080", via(r, new InetSocketAddress("2001:db9::1", 80)));
        assertEquals("direct", via(r, InetSocketAddress.createUnresolved("webserver", 80)));
        assertEquals("direct", via(r, new InetSocketAddress("192.168.1.1", 80)));
    }

    @Test
    void aNameSelectsItsRouteAtAnyPort() {
        Router r = router("proxy=socks5h://10.9.9.9:1080,bypass=none,routes=x.corp->block;*.corp:443->direct");
        assertEquals(Via.Kind.DIRECT, r.viaForName("a.corp").kind());
        assertEquals(Via.Kind.BLOCK, r.viaForName("x.corp").kind());
        assertNull(r.matchName("other"));
    }

    @Test
    void everyProxyOfEveryRouteIsDirect() throws Exception {
        Router r = router("proxy=socks5://10.9.9.9:1080>socks5://10.8.8.8:1080,bypass=none,"
                + "routes=x.test->socks5://10.7.7.7:1080");
        for (String ip : new String[] {"10.9.9.9", "10.8.8.8", "10.7.7.7"}) {
            assertTrue(r.route(new InetSocketAddress(ip, 1080)).direct(), ip);
        }
    }

    @Test
    void failoverOrderSkipsDownProxiesUntilAllAreDown() {
        Router r = router("proxy=socks5://10.0.0.1:1|socks5://10.0.0.2:1|socks5://10.0.0.3:1,proxyDownSeconds=60");
        Via via = r.defaultVia();
        assertEquals(via.alternatives(), r.order(via));
        r.health(via.alternatives().get(0).first()).markDown(60);
        List<Chain> order = r.order(via);
        assertEquals(via.alternatives().get(1), order.get(0));
        assertEquals(via.alternatives().get(0), order.get(2), "a down proxy comes last");
        r.health(via.alternatives().get(1).first()).markDown(60);
        r.health(via.alternatives().get(2).first()).markDown(60);
        assertEquals(via.alternatives().get(0), r.order(via).get(0), "all down: the one back soonest first");
    }

    @Test
    void roundRobinRotates() {
        Router r = router("proxy=socks5://10.0.0.1:1|socks5://10.0.0.2:1,select=round-robin");
        Via via = r.defaultVia();
        Chain a = r.order(via).get(0);
        Chain b = r.order(via).get(0);
        assertTrue(a != b);
        assertEquals(a, r.order(via).get(0));
    }

    @Test
    void hopTargetsFollowTheAskingHopsScheme() throws Exception {
        Router r = router("proxy=socks5h://10.0.0.1:1>socks5://localhost:2>socks5://10.0.0.3:3");
        Chain chain = r.defaultVia().primary();
        InetSocketAddress destination = InetSocketAddress.createUnresolved("dest.example", 443);
        InetSocketAddress[] targets = Hops.targets(chain, destination);
        assertTrue(targets[0].isUnresolved(), "socks5h sends the next hop's name");
        assertEquals("localhost", targets[0].getHostString());
        assertEquals("10.0.0.3", targets[1].getAddress().getHostAddress());
        assertEquals(destination, targets[2]);
        Router local = router("proxy=socks5://10.0.0.1:1>socks5://localhost:2");
        assertTrue(!Hops.targets(local.defaultVia().primary(), destination)[0].isUnresolved(),
                "socks5 resolves the next hop here");
    }

    @Test
    void failuresBlameTheRightProxyAndNameTheHop() {
        Router r = router("proxy=socks5://10.0.0.1:1>socks5://10.0.0.2:2,proxyDownSeconds=60");
        Chain chain = r.defaultVia().primary();
        ProxyHealth first = r.health(chain.first());
        ProxyHealth second = r.health(chain.last());
        long now = System.nanoTime();

        // The last hop waiting for a slow destination: nobody is marked down.
        java.io.IOException slow = Hops.hopFailed(r, chain, 1, new java.net.SocketTimeoutException(
                "socks5://10.0.0.2:2 => x:1: SOCKS handshake timed out after 10 ms waiting for the SOCKS5 reply"));
        assertTrue(slow instanceof java.net.SocketTimeoutException);
        assertTrue(slow.getMessage().startsWith("socksify: via socks5://10.0.0.1:1 > socks5://10.0.0.2:2: at hop 2"),
                slow.getMessage());
        assertTrue(!first.isDown(now) && !second.isDown(now));

        // The first hop answers that the second refused: the second is down, the message names it.
        java.io.IOException refused = Hops.hopFailed(r, chain, 0, new io.socksify.protocol.client.SocksConnectException(
                "socks5://10.0.0.1:1 => 10.0.0.2:2: connection refused by the destination",
                io.socksify.protocol.wire.SocksVersion.SOCKS5, 5,
                io.socksify.protocol.client.SocksConnectException.Reason.CONNECTION_REFUSED));
        assertTrue(refused instanceof io.socksify.protocol.client.SocksConnectException);
        assertTrue(refused.getMessage().contains(": socks5://10.0.0.2:2 refused the connection"), refused.getMessage());
        assertTrue(second.isDown(System.nanoTime()) && !first.isDown(System.nanoTime()));

        // A silent first hop (no answer to the greeting) is down itself; an authentication refusal marks nothing.
        Router r2 = router("proxy=socks5://10.0.0.1:1|socks5://10.0.0.3:3,proxyDownSeconds=60");
        Chain one = r2.defaultVia().primary();
        Hops.hopFailed(r2, one, 0, new io.socksify.protocol.client.SocksConnectException("auth",
                io.socksify.protocol.wire.SocksVersion.SOCKS5, 1,
                io.socksify.protocol.client.SocksConnectException.Reason.AUTHENTICATION_FAILED));
        assertTrue(!r2.health(one.first()).isDown(System.nanoTime()));
        java.io.IOException silent = Hops.hopFailed(r2, one, 0, new java.net.SocketTimeoutException(
                "socks5://10.0.0.1:1 => x:1: SOCKS handshake timed out after 10 ms waiting for the SOCKS5 method"
                        + " selection"));
        assertEquals("socks5://10.0.0.1:1 => x:1: SOCKS handshake timed out after 10 ms waiting for the SOCKS5 method"
                + " selection", silent.getMessage(), "single hop: the message stays as it was");
        assertTrue(r2.health(one.first()).isDown(System.nanoTime()));
        assertEquals(1, r2.health(one.first()).markedDownCount());
        assertEquals(r2.defaultVia().alternatives().get(1), r2.order(r2.defaultVia()).get(0));
    }
}
