package io.socksify.agent.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.socksify.agent.bootstrap.Metrics;
import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.Chain;
import io.socksify.agent.jmx.AgentMBean;
import io.socksify.protocol.client.SocksClientHandshake;
import io.socksify.protocol.wire.Socks5AuthMethod;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Properties;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.Test;

/**
 * Connections by authentication method: the handshakes of a route's hops, driven to {@code DONE} with a proxy's
 * real bytes (the state machine does no I/O), are counted by the method each proxy selected, and the MBean (so
 * {@code status}) shows the counts.
 */
class AuthMethodMetricsTest {
    private static final InetSocketAddress TARGET = new InetSocketAddress("192.0.2.7", 443);

    /** Drives {@code handshake} to {@code DONE}: the proxy selects {@code method} and answers success. */
    private static SocksClientHandshake done(SocksClientHandshake handshake, int method) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(1024);
        handshake.writeTo(out); // greeting
        handshake.readFrom(ByteBuffer.wrap(new byte[] {5, (byte) method}));
        if (method == 2) {
            out.clear();
            handshake.writeTo(out); // RFC 1929 request
            handshake.readFrom(ByteBuffer.wrap(new byte[] {1, 0}));
        }
        out.clear();
        handshake.writeTo(out); // the CONNECT request
        handshake.readFrom(ByteBuffer.wrap(new byte[] {5, 0, 0, 1, 127, 0, 0, 2, 0x30, 0x39}));
        assertEquals(SocksClientHandshake.Status.DONE, handshake.status());
        return handshake;
    }

    private static long[] counts() {
        return new long[] {Metrics.AUTH_NONE.sum(), Metrics.AUTH_PASSWORD.sum(), Metrics.AUTH_GSSAPI.sum()};
    }

    @Test
    void eachHopOfAChainCountsByTheMethodItsProxySelected() throws Exception {
        AgentConfig config = AgentConfig.parse("proxy=socks5://alice:pw@127.0.0.1:1080>socks5://127.0.0.1:1081,"
                + "bypass=none", new Properties());
        Router router = new Router(config);
        Chain chain = config.via().primary();
        long[] before = counts();
        SocksClientHandshake first = done(SocksClientHandshake.connect(chain.hops().get(0).proxy(),
                new InetSocketAddress("127.0.0.1", 1081)), 2);
        SocksClientHandshake second = done(SocksClientHandshake.connect(chain.hops().get(1).proxy(), TARGET), 0);
        Hops.succeeded(router, chain, new SocksClientHandshake[] {first, second});
        long[] after = counts();
        assertEquals(1, after[0] - before[0], "none");
        assertEquals(1, after[1] - before[1], "username/password");
        assertEquals(0, after[2] - before[2], "gssapi");
    }

    @Test
    void aUdpAssociationAndSocks4CountByMethodAndTheMBeanShowsThem() throws Exception {
        long[] before = counts();
        Hops.authenticated(Socks5AuthMethod.GSSAPI);
        Hops.authenticated(Socks5AuthMethod.GSSAPI);
        Hops.authenticated(null); // SOCKS4: no method
        long[] after = counts();
        assertEquals(1, after[0] - before[0]);
        assertEquals(0, after[1] - before[1]);
        assertEquals(2, after[2] - before[2]);

        MBeanServer server = MBeanServerFactory.newMBeanServer();
        AgentMBean.configured(AgentConfig.parse("proxy=socks5://127.0.0.1:1080", new Properties()), "t", false);
        // The agent's one MBean, in a server of this test's own (AgentMBean.register registers once per JVM).
        java.lang.reflect.Field instance = AgentMBean.class.getDeclaredField("INSTANCE");
        instance.setAccessible(true);
        server.registerMBean(instance.get(null), new ObjectName(AgentMBean.NAME));
        TabularData table = (TabularData) server.getAttribute(new ObjectName(AgentMBean.NAME),
                "ConnectionsByAuthMethod");
        Map<String, Long> shown = new java.util.TreeMap<>();
        for (Object row : table.values()) {
            CompositeData data = (CompositeData) row;
            shown.put((String) data.get("key"), (Long) data.get("value"));
        }
        assertEquals(Map.of("none", after[0], "username/password", after[1], "gssapi", after[2]), shown);
        assertEquals(Metrics.UDP_DATAGRAMS_DROPPED.sum(),
                server.getAttribute(new ObjectName(AgentMBean.NAME), "UdpDatagramsDropped"));
    }
}
