package io.socksify.agent.instrument;

import io.socksify.agent.bootstrap.netty.NettyDispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rewrites on classes shaped like Netty's under a relocation prefix ({@code fixture.shaded.io.netty...}), loaded
 * from the rewritten bytes into a fresh class loader: the transport reports unavailable with socksify's cause and
 * skips its native probe, unless the copy's own switch is set; a class that only has the name is left alone; the
 * guarded methods ask the dispatcher first.
 */
@Timeout(30)
class NettyNativeTransformerTest {
    private static final String EPOLL = "fixture/shaded/io/netty/channel/epoll/Epoll";
    private static final String SOCKET = "fixture/shaded/io/netty/channel/unix/Socket";
    private static final String SWITCH = "fixture.shaded.io.netty.transport.noNative";

    @AfterEach
    void reset() {
        System.clearProperty(SWITCH);
        NettyDispatcher.install(null);
    }

    private static byte[] bytes(String internalName) throws IOException {
        try (InputStream in = NettyNativeTransformerTest.class.getResourceAsStream("/" + internalName + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Loads {@code name} from {@code classFile}, everything else from the test class path. */
    private static Class<?> load(String internalName, byte[] classFile) throws ClassNotFoundException {
        String name = internalName.replace('/', '.');
        ClassLoader loader = new ClassLoader(NettyNativeTransformerTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                if (n.equals(name)) {
                    synchronized (getClassLoadingLock(n)) {
                        Class<?> c = findLoadedClass(n);
                        return c != null ? c : defineClass(n, classFile, 0, classFile.length);
                    }
                }
                return super.loadClass(n, resolve);
            }
        };
        return Class.forName(name, true, loader);
    }

    private static Class<?> transformedEpoll() throws Exception {
        byte[] rewritten = NettyNativeTransformer.rewriteTransport(EPOLL, NettyNativeTransformer.kind(EPOLL),
                bytes(EPOLL));
        return load(EPOLL, rewritten);
    }

    @Test
    void recognisesNettyClassesUnderAnyPrefixByTheirTail() {
        assertEquals("netty/channel/epoll/Epoll", NettyNativeTransformer.kind(EPOLL));
        assertEquals("netty/channel/epoll/Epoll", NettyNativeTransformer.kind("io/netty/channel/epoll/Epoll"));
        assertEquals("netty/channel/uring/IoUring",
                NettyNativeTransformer.kind("org/apache/pulsar/shade/io/netty/channel/uring/IoUring"));
        assertEquals("netty/incubator/channel/uring/IOUring",
                NettyNativeTransformer.kind("com/x/deps/io/netty/incubator/channel/uring/IOUring"));
        assertEquals("netty/channel/unix/Socket", NettyNativeTransformer.kind("netty/channel/unix/Socket"));
        assertNull(NettyNativeTransformer.kind("java/net/Socket"));
        assertNull(NettyNativeTransformer.kind("io/notnetty/channel/epoll/Epoll"));
        assertNull(NettyNativeTransformer.kind("io/netty/channel/epoll/EpollSocketChannel"));
        assertNull(NettyNativeTransformer.kind("Epoll"));
    }

    @Test
    void theTransportReportsUnavailableNamingSocksifyAndSkipsItsProbe() throws Exception {
        Class<?> epoll = transformedEpoll();
        assertEquals(false, epoll.getMethod("isAvailable").invoke(null));
        assertFalse(epoll.getField("PROBED").getBoolean(null), "the native library must not even be loaded");
        Throwable cause = (Throwable) epoll.getMethod("unavailabilityCause").invoke(null);
        assertInstanceOf(UnsupportedOperationException.class, cause);
        assertTrue(cause.getMessage().startsWith("socksify: Netty's native Epoll transport (fixture.shaded.io.netty"
                + ".channel.epoll.Epoll) is switched off"), cause.getMessage());
        assertTrue(cause.getMessage().contains("-D" + SWITCH + "=false keeps it on"), cause.getMessage());
        InvocationTargetException e = assertThrows(InvocationTargetException.class,
                () -> epoll.getMethod("ensureAvailability").invoke(null));
        assertInstanceOf(UnsatisfiedLinkError.class, e.getCause());
        assertEquals(cause, e.getCause().getCause());
    }

    @Test
    void theUsersOwnSwitchKeepsTheirChoice() throws Exception {
        System.setProperty(SWITCH, "false");
        Class<?> on = transformedEpoll();
        assertEquals(true, on.getMethod("isAvailable").invoke(null));
        assertTrue(on.getField("PROBED").getBoolean(null));

        System.setProperty(SWITCH, "true");
        Class<?> off = transformedEpoll();
        Throwable cause = (Throwable) off.getMethod("unavailabilityCause").invoke(null);
        assertEquals("Native transport was explicit disabled", cause.getMessage(), "Netty's own cause stands");
    }

    @Test
    void aClassThatOnlyHasTheNameIsLeftAlone() throws Exception {
        String other = "fixture/other/netty/channel/epoll/Epoll";
        assertNull(NettyNativeTransformer.rewriteTransport(other, NettyNativeTransformer.kind(other), bytes(other)));
    }

    @Test
    void guardedMethodsAskTheDispatcherWithTheirDestination() throws Exception {
        byte[] rewritten = NettyNativeTransformer.rewriteGuarded(SOCKET, java.util.Set.of("connect", "sendTo",
                "sendToAddresses", "sendToDomainSocket"), bytes(SOCKET));
        Class<?> socket = load(SOCKET, rewritten);
        Object instance = socket.getConstructor().newInstance();
        List<String> asked = new ArrayList<>();
        NettyDispatcher.install((destination, site) -> {
            asked.add(destination + " " + site);
            if (destination.getPort() != 7) {
                throw new ConnectException("refused " + destination.getPort());
            }
        });
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Method connect = socket.getMethod("connect", SocketAddress.class);
        assertEquals(true, connect.invoke(instance, new InetSocketAddress(loopback, 7)));
        InvocationTargetException refused = assertThrows(InvocationTargetException.class,
                () -> connect.invoke(instance, new InetSocketAddress(loopback, 8)));
        assertEquals("refused 8", refused.getCause().getMessage());
        // Not an inet address (Unix domain sockets): untouched.
        assertEquals(true, connect.invoke(instance, new SocketAddress() {
        }));
        Method sendTo = socket.getMethod("sendTo", ByteBuffer.class, int.class, int.class, InetAddress.class,
                int.class, boolean.class);
        assertThrows(InvocationTargetException.class,
                () -> sendTo.invoke(instance, ByteBuffer.allocate(1), 0, 1, loopback, 9, true));
        Method sendToAddresses = socket.getMethod("sendToAddresses", long.class, int.class, InetAddress.class,
                int.class);
        assertEquals(1, sendToAddresses.invoke(instance, 0L, 1, loopback, 7));
        assertEquals(1, socket.getMethod("sendToDomainSocket", ByteBuffer.class, int.class, int.class, byte[].class)
                .invoke(instance, ByteBuffer.allocate(1), 0, 1, new byte[0]));
        String host = loopback.toString();
        assertEquals(List.of(
                "/" + host.substring(host.indexOf('/') + 1) + ":7 fixture.shaded.io.netty.channel.unix.Socket.connect",
                "/" + host.substring(host.indexOf('/') + 1) + ":8 fixture.shaded.io.netty.channel.unix.Socket.connect",
                "/" + host.substring(host.indexOf('/') + 1) + ":9 fixture.shaded.io.netty.channel.unix.Socket.sendTo",
                "/" + host.substring(host.indexOf('/') + 1)
                        + ":7 fixture.shaded.io.netty.channel.unix.Socket.sendToAddresses"),
                asked.stream().map(s -> s.replaceFirst("^[^/]*", "")).toList());
    }
}
