package io.socksify.it.netns;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.apps.EveryPathApp;
import io.socksify.it.apps.netty.NativeNettyApp;
import io.socksify.it.support.ChildApps;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Dante;
import io.socksify.it.support.GrpcEchoTarget;
import io.socksify.it.support.Hostnames;
import io.socksify.it.support.HttpTarget;
import io.socksify.it.support.Jdks;
import io.socksify.it.support.Loopback;
import io.socksify.it.support.NetworkNamespace;
import io.socksify.it.support.NetworkNamespace.Counters;
import io.socksify.it.support.RecordingTarget;
import io.socksify.it.support.TcpEchoTarget;
import io.socksify.it.support.TlsEchoTarget;
import io.socksify.it.support.UdpEchoTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proof beyond loopback filtering: the client JVM runs in a network namespace ({@link NetworkNamespace}) whose one
 * reachable address is the proxy's, with Dante and the targets outside it, and every client path
 * ({@link EveryPathApp}: {@code Socket}, {@code SSLSocket}, {@code HttpURLConnection}, {@code HttpClient}, blocking,
 * selector and asynchronous channels, {@code DatagramSocket}, {@code DatagramChannel}, gRPC over
 * {@code grpc-netty-shaded}, Netty with native epoll on the class path) works; the namespace's nftables counters show
 * packets to the proxy's address and none to anything else, loopback included. The destination is
 * {@link Hostnames#PROXY_ONLY} with {@code socks5h}: the namespace's hosts file lacks it and its DNS server is an
 * address on its subnet nobody answers, so a local lookup would be a counted packet (and a failure). {@code Socket}
 * by address and the datagram paths name 127.0.0.1, which in the namespace is its own loopback: a direct packet there
 * is counted too. The targets
 * listen on this host's 127.0.0.1, which is not even reachable from the namespace, and serve only Dante's
 * {@code external:} address.
 *
 * <p>Netty's native epoll, kept on by the user, is refused by socksify's guard before a packet leaves (the counters
 * stay still). The counters are shown to see leaks: the same namespace, without the agent, counts a direct connection to
 * 127.0.0.1 (its own loopback) and a DNS query. Needs root, {@code ip} and {@code nft}: without them the test fails
 * naming what is missing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NetworkNamespaceIT {
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);

    private static NetworkNamespace namespace;
    private static Dante dante;
    private static final List<RecordingTarget> TARGETS = new ArrayList<>();
    private static TcpEchoTarget tcp;
    private static TlsEchoTarget tls;
    private static HttpTarget http;
    private static HttpTarget https;
    private static UdpEchoTarget udp;
    private static GrpcEchoTarget grpc;

    @BeforeAll
    static void startNamespaceProxyAndTargets() {
        Hostnames.assertProxyOnlyNameConfigured();
        namespace = NetworkNamespace.create();
        dante = Dante.builder().internalAddress(namespace.outsideAddress()).externalAddress(Loopback.PROXY_EXTERNAL)
                .clientNetwork(namespace.network()).start();
        tcp = add(TcpEchoTarget.acceptingOnly(dante.externalAddress()));
        tls = add(TlsEchoTarget.acceptingOnly(dante.externalAddress()));
        http = add(HttpTarget.acceptingOnly(dante.externalAddress()));
        https = add(HttpTarget.tlsAcceptingOnly(dante.externalAddress()));
        udp = add(UdpEchoTarget.acceptingOnly(dante.externalAddress()));
        grpc = add(GrpcEchoTarget.acceptingOnly(dante.externalAddress()));
    }

    private static <T extends RecordingTarget> T add(T target) {
        TARGETS.add(target);
        return target;
    }

    @AfterAll
    static void stopEverything() {
        try {
            TARGETS.forEach(RecordingTarget::close);
            if (dante != null) {
                dante.close();
            }
        } finally {
            if (namespace != null) {
                namespace.close();
            }
        }
    }

    private static ChildJvm.Builder inNamespace(Class<?> main, Path jdk) {
        return ChildJvm.builder(main).javaHome(jdk).launcher(namespace.execPrefix());
    }

    private static String context(ChildJvm child, Counters before, Counters after) {
        return "counters before:\n" + before.listing() + "counters after:\n" + after.listing() + "\n"
                + namespace.describe() + "\n" + child.describe() + "\n" + dante.describe();
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void everyClientPathWorksAndNoPacketGoesAnywhereButTheProxy(Path jdk) {
        Counters before = namespace.counters();
        ChildJvm child = inNamespace(EveryPathApp.class, jdk)
                .jvmArgs(TlsEchoTarget.trustStoreJvmArgs())
                .agent("proxy=socks5h://" + dante.host() + ":" + dante.port() + ",bypass=none")
                .args(Hostnames.PROXY_ONLY, Loopback.LOCALHOST.getHostAddress(), "" + tcp.port(), "" + tls.port(), "" + http.port(), "" + https.port(),
                        "" + udp.port(), "" + grpc.port())
                .run(CHILD_TIMEOUT);
        Counters after = namespace.counters();
        assertEquals(0, child.exitCode(), context(child, before, after));
        assertTrue(child.stdout().contains("\nALL_OK\n"), context(child, before, after));
        String[] paths = child.stdout().split("(?m)^PATH ");
        assertEquals(17, paths.length, "16 paths\n" + child.describe());
        for (int i = 1; i < paths.length; i++) {
            assertTrue(paths[i].contains("\nOK\n"), "path " + paths[i].lines().findFirst().orElse("?")
                    + " printed no OK\n" + child.describe());
        }
        // gRPC's relocated Netty and plain Netty 4.2 see their native epoll switched off and take NIO.
        assertTrue(!child.stdout().contains("EPOLL_AVAILABLE true"), child.describe());
        assertTrue(child.stdout().contains("\nTRANSPORT nio\n"), child.describe());
        assertTrue(child.stdout().contains("\nUDP_TRANSPORT nio\n"), child.describe());
        System.out.printf("NetworkNamespaceIT on %s: packets to the proxy %d, on loopback %d, elsewhere %d%n", jdk,
                after.proxyPackets() - before.proxyPackets(), after.loopbackPackets() - before.loopbackPackets(),
                after.otherPackets() - before.otherPackets());

        assertEquals(0, after.otherPackets() - before.otherPackets(),
                "packets to an address that is not the proxy's\n" + context(child, before, after));
        assertEquals(0, after.loopbackPackets() - before.loopbackPackets(),
                "packets on the namespace's loopback\n" + context(child, before, after));
        assertTrue(after.proxyPackets() - before.proxyPackets() > 100, context(child, before, after));
        for (RecordingTarget target : TARGETS) {
            assertTrue(!target.acceptedSources().isEmpty(), target + " saw nothing\n" + child.describe());
            target.assertNoRejected();
        }
    }

    /**
     * Netty's native epoll kept on by the user ({@code -Dio.netty.transport.noNative=false}) connects in C, outside
     * the JDK: socksify's guard on the native connect refuses it, and the kernel's counters confirm nothing was sent.
     */
    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aNativeEpollConnectKeptOnByTheUserSendsNothing(Path jdk) {
        Counters before = namespace.counters();
        ChildJvm child = inNamespace(NativeNettyApp.class, jdk).jvmArgs("-Dio.netty.transport.noNative=false")
                .agent("proxy=socks5h://" + dante.host() + ":" + dante.port() + ",bypass=none")
                .args("epoll", Loopback.LOCALHOST.getHostAddress(), "" + tcp.port())
                .run(CHILD_TIMEOUT);
        Counters after = namespace.counters();
        assertEquals(3, child.exitCode(), context(child, before, after));
        assertEquals("true", ChildApps.value(child, "EPOLL_AVAILABLE"), child.describe());
        assertTrue(ChildApps.value(child, "FAILED").contains("socksify: a direct connection to 127.0.0.1:" + tcp.port()
                + " by Netty's native transport"), child.describe());
        assertEquals(0, after.otherPackets() - before.otherPackets(), context(child, before, after));
        assertEquals(0, after.loopbackPackets() - before.loopbackPackets(), context(child, before, after));
        assertEquals(0, after.proxyPackets() - before.proxyPackets(), context(child, before, after));
    }

    /** Without the agent, what the test above would count as a leak is counted: the counters can fail it. */
    @Test
    void theCountersSeeADirectConnectionAndADnsQuery() {
        Path jdk = Jdks.current();
        Counters before = namespace.counters();
        ChildJvm direct = inNamespace(ConnectApp.class, jdk).args("ip", "127.0.0.1", "" + tcp.port())
                .run(CHILD_TIMEOUT);
        Counters afterDirect = namespace.counters();
        assertEquals(3, direct.exitCode(), direct.describe());
        assertTrue(direct.stdout().contains("KIND ConnectException"), direct.describe());
        assertTrue(afterDirect.loopbackPackets() > before.loopbackPackets(), context(direct, before, afterDirect));

        ChildJvm lookup = inNamespace(ConnectApp.class, jdk).args("name", Hostnames.PROXY_ONLY, "" + tcp.port())
                .run(CHILD_TIMEOUT);
        Counters afterLookup = namespace.counters();
        assertEquals(3, lookup.exitCode(), lookup.describe());
        assertTrue(lookup.stdout().contains("KIND UnknownHostException"), lookup.describe());
        assertTrue(afterLookup.otherPackets() > afterDirect.otherPackets(),
                "a DNS query to " + namespace.dnsAddress().getHostAddress() + " should be counted\n"
                        + context(lookup, afterDirect, afterLookup));
        assertEquals(0, afterLookup.proxyPackets() - before.proxyPackets(), context(lookup, before, afterLookup));
        assertEquals(List.of(), tcp.rejectedSources());
    }
}
