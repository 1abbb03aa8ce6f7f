package io.socksify.agent.instrument;

import io.socksify.agent.bootstrap.ConnectGuard;
import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.bootstrap.ImplFactoryGuard;
import io.socksify.agent.bootstrap.dns.NameDispatcher;
import io.socksify.agent.bootstrap.nio.ChannelDispatcher;
import io.socksify.agent.bootstrap.udp.DatagramDispatcher;
import io.socksify.agent.instrument.Hook.Exit;
import io.socksify.agent.instrument.Hook.Load;


/**
 * The hook table: every JDK method socksify changes, one row each, grouped by transport. ARCHITECTURE.md says why
 * these methods (and links the per-transport notes). Written out, a prologue row {@code D.m} with exit {@code E} is
 * <pre>
 *   T method(args) { answer = D.m(this, args...); [E: return the answer / return / fall through]; original code }
 * </pre>
 * The JDK's method descriptors are the JDK's (private members: nothing to reflect on without loading the class);
 * the dispatcher's are derived from its {@code Class} objects (see {@link Hook}).
 */
public final class Hooks {
    private static final String NIO_SOCKET_IMPL = "sun/nio/ch/NioSocketImpl";
    private static final String JDK17_PLAIN_SOCKET_IMPL = "java/net/AbstractPlainSocketImpl";
    public static final String SOCKET_CHANNEL = "sun/nio/ch/SocketChannelImpl";
    public static final String SELECTION_KEY = "sun/nio/ch/SelectionKeyImpl";
    public static final String ASYNC_SOCKET_CHANNEL = "sun/nio/ch/AsynchronousSocketChannelImpl";
    public static final String DATAGRAM_CHANNEL = "sun/nio/ch/DatagramChannelImpl";
    private static final String NET = "sun/nio/ch/Net";
    private static final String JDK17_PLATFORM = "java/net/InetAddress$PlatformNameService";
    private static final String JDK17_HOSTS_FILE = "java/net/InetAddress$HostsFileNameService";
    private static final String PLATFORM = "java/net/InetAddress$PlatformResolver";
    private static final String HOSTS_FILE = "java/net/InetAddress$HostsFileResolver";
    private static final String LOOKUP_POLICY = "java/net/spi/InetAddressResolver$LookupPolicy";
    private static final String ADDRESS = "Ljava/net/SocketAddress;";
    private static final String BUFFER = "Ljava/nio/ByteBuffer;";
    private static final String BUFFERS = "[Ljava/nio/ByteBuffer;";
    // The dispatchers' parameter and return types: descriptors, not Class objects (see Hook).
    private static final String OBJECT = "Ljava/lang/Object;";
    private static final String STRING = "Ljava/lang/String;";
    private static final String BYTES = "[B";
    private static final String SOCKET_IMPL = "Ljava/net/SocketImpl;";
    private static final String INET = "Ljava/net/InetAddress;";
    private static final String INETS = "[Ljava/net/InetAddress;";
    private static final String INET_SOCKET = "Ljava/net/InetSocketAddress;";
    private static final String PACKET = "Ljava/net/DatagramPacket;";
    private static final String CHANNEL = "Ljava/nio/channels/SocketChannel;";
    private static final String KEY = "Ljava/nio/channels/SelectionKey;";
    private static final String ASYNC = "Ljava/nio/channels/AsynchronousSocketChannel;";
    private static final String HANDLER = "Ljava/nio/channels/CompletionHandler;";
    private static final String DGRAM = "Ljava/nio/channels/DatagramChannel;";
    private static final String FUTURE = "Ljava/util/concurrent/Future;";
    private static final String STREAM = "Ljava/util/stream/Stream;";

    private Hooks() {
    }

    /**
     * {@code java.net.Socket} (SOCKET-DESIGN.md): the platform impl's {@code connect}, which every socket's TCP
     * connection passes through (whether the socket has no proxy, {@code Proxy.NO_PROXY}, or the application's SOCKS
     * or HTTP proxy: then the connect is to that proxy), and the impl factory setter.
     */
    public static Hook[] socket() {
        return new Hook[] {
            Hook.method(NIO_SOCKET_IMPL, "connect", "(" + ADDRESS + "I)V")
                    .call(Dispatcher.class, "connectSocket", Exit.RETURN_IF_TRUE, "(" + SOCKET_IMPL + ADDRESS + "I)Z"),
            // JDK 17's legacy impl (-Djdk.net.usePlainSocketImpl), loaded only when that is set.
            Hook.method(JDK17_PLAIN_SOCKET_IMPL, "connect", "(" + ADDRESS + "I)V").jdk(17, 17)
                    .call(Dispatcher.class, "connectSocket", Exit.RETURN_IF_TRUE, "(" + SOCKET_IMPL + ADDRESS + "I)Z"),
            Hook.staticMethod("java/net/Socket", "setSocketImplFactory", "(Ljava/net/SocketImplFactory;)V")
                    .call(ImplFactoryGuard.class, "socketImplFactory", Exit.NONE, "(" + OBJECT + ")V"),
        };
    }

    /** NIO channels (NIO-DESIGN.md): connect, finishConnect, readiness, and the asynchronous channel's connects. */
    public static Hook[] channel() {
        return new Hook[] {
            Hook.method(SOCKET_CHANNEL, "connect", "(" + ADDRESS + ")Z")
                    .call(ChannelDispatcher.class, "connect", Exit.INT_IF_NOT_NEGATIVE, "(" + CHANNEL + ADDRESS + ")I"),
            Hook.method(SOCKET_CHANNEL, "blockingConnect", "(" + ADDRESS + "J)V")
                    .call(ChannelDispatcher.class, "blockingConnect", Exit.RETURN_IF_TRUE,
                            "(" + CHANNEL + ADDRESS + "J)Z"),
            Hook.method(SOCKET_CHANNEL, "finishConnect", "()Z")
                    .call(ChannelDispatcher.class, "finishConnectPending", Exit.RETURN_IF_TRUE, "(" + CHANNEL + ")Z"),
            Hook.method(SOCKET_CHANNEL, "translateReadyOps", "(IILsun/nio/ch/SelectionKeyImpl;)Z")
                    .call(ChannelDispatcher.class, "translateReadyOps", Exit.INT_IF_NOT_NEGATIVE,
                            "(" + CHANNEL + "II" + KEY + ")I"),
            Hook.method(SELECTION_KEY, "translateInterestOps", "()I")
                    .call(ChannelDispatcher.class, "interestEvents", Exit.INT_IF_NOT_NEGATIVE, "(" + KEY + ")I"),
            Hook.method(ASYNC_SOCKET_CHANNEL, "connect", "(" + ADDRESS + ")Ljava/util/concurrent/Future;")
                    .call(ChannelDispatcher.class, "connectAsync", Exit.OBJECT_IF_NOT_NULL,
                            "(" + ASYNC + ADDRESS + ")" + FUTURE),
            Hook.method(ASYNC_SOCKET_CHANNEL, "connect",
                    "(" + ADDRESS + "Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)V")
                    .call(ChannelDispatcher.class, "connectAsync", Exit.RETURN_IF_TRUE,
                            "(" + ASYNC + ADDRESS + OBJECT + HANDLER + ")Z"),
        };
    }

    /**
     * UDP (UDP-DESIGN.md): every datagram path of {@code DatagramChannelImpl} (the socket adaptor's too), and the
     * datagram impl factory setter.
     */
    public static Hook[] datagram() {
        return new Hook[] {
            Hook.method(DATAGRAM_CHANNEL, "send", "(" + BUFFER + ADDRESS + ")I")
                    .call(DatagramDispatcher.class, "send", Exit.COUNT_UNLESS_PASS,
                            "(" + DGRAM + BUFFER + ADDRESS + ")J"),
            Hook.method(DATAGRAM_CHANNEL, "receive", "(" + BUFFER + ")" + ADDRESS)
                    .call(DatagramDispatcher.class, "receive", Exit.OBJECT_UNLESS_PASS,
                            "(" + DGRAM + BUFFER + ")" + OBJECT),
            Hook.method(DATAGRAM_CHANNEL, "read", "(" + BUFFER + ")I")
                    .call(DatagramDispatcher.class, "read", Exit.COUNT_UNLESS_PASS, "(" + DGRAM + BUFFER + ")J"),
            Hook.method(DATAGRAM_CHANNEL, "read", "(" + BUFFERS + "II)J")
                    .call(DatagramDispatcher.class, "readScattering", Exit.COUNT_UNLESS_PASS,
                            "(" + DGRAM + BUFFERS + "II)J"),
            Hook.method(DATAGRAM_CHANNEL, "write", "(" + BUFFER + ")I")
                    .call(DatagramDispatcher.class, "write", Exit.COUNT_UNLESS_PASS, "(" + DGRAM + BUFFER + ")J"),
            Hook.method(DATAGRAM_CHANNEL, "write", "(" + BUFFERS + "II)J")
                    .call(DatagramDispatcher.class, "writeGathering", Exit.COUNT_UNLESS_PASS,
                            "(" + DGRAM + BUFFERS + "II)J"),
            Hook.method(DATAGRAM_CHANNEL, "connect", "(" + ADDRESS + "Z)Ljava/nio/channels/DatagramChannel;")
                    .call(DatagramDispatcher.class, "connect", Exit.THIS_IF_TRUE, "(" + DGRAM + ADDRESS + "Z)Z"),
            // The socket adaptor's receive: JDK 17's shape, or the packet-filling one of later JDKs.
            Hook.method(DATAGRAM_CHANNEL, "blockingReceive", "(" + BUFFER + "J)" + ADDRESS).group("blockingReceive")
                    .call(DatagramDispatcher.class, "blockingReceive", Exit.OBJECT_UNLESS_PASS,
                            "(" + DGRAM + BUFFER + "J)" + OBJECT),
            Hook.method(DATAGRAM_CHANNEL, "blockingReceive", "(Ljava/net/DatagramPacket;J)V").group("blockingReceive")
                    .call(DatagramDispatcher.class, "blockingReceivePacket", Exit.RETURN_IF_TRUE,
                            "(" + DGRAM + PACKET + "J)Z"),
            Hook.method(DATAGRAM_CHANNEL, "implCloseSelectableChannel", "()V")
                    .call(DatagramDispatcher.class, "closed", Exit.NONE, "(" + DGRAM + ")V"),
            Hook.staticMethod("java/net/DatagramSocket", "setDatagramSocketImplFactory",
                    "(Ljava/net/DatagramSocketImplFactory;)V")
                    .call(ImplFactoryGuard.class, "datagramSocketImplFactory", Exit.NONE, "(" + OBJECT + ")V"),
            // JDK 17's choice of the legacy impl, made once as DatagramSocket initializes: on the channel while UDP
            // is routed (so the agent's start need not initialize DatagramSocket to fix the choice).
            Hook.staticMethod("java/net/DatagramSocket", "usePlainDatagramSocketImpl", "()Z").jdk(17, 17)
                    .call(ImplFactoryGuard.class, "channelDatagramSocket", Exit.RETURN_IF_TRUE, "()Z"),
        };
    }

    /**
     * {@code dns=remote} (DNS-DESIGN.md): the JDK's two built-in name services (JDK 17's {@code NameService}s, JDK
     * 18+'s {@code InetAddressResolver}s; both are hooked whichever one the JVM uses). A placeholder address going
     * out directly is refused by {@link #guard()}.
     */
    public static Hook[] names() {
        String lookupByName = "(Ljava/lang/String;L" + LOOKUP_POLICY + ";)Ljava/util/stream/Stream;";
        return new Hook[] {
            lookupArray(JDK17_PLATFORM), reverse(JDK17_PLATFORM, "getHostByAddr", 17, 17),
            lookupArray(JDK17_HOSTS_FILE), reverse(JDK17_HOSTS_FILE, "getHostByAddr", 17, 17),
            lookupStream(PLATFORM, lookupByName), reverse(PLATFORM, "lookupByAddress", 18, Integer.MAX_VALUE),
            lookupStream(HOSTS_FILE, lookupByName), reverse(HOSTS_FILE, "lookupByAddress", 18, Integer.MAX_VALUE),
        };
    }

    /**
     * The last-line guard (ARCHITECTURE.md, "The last line"): where the JDK hands an inet destination to the
     * operating system, every TCP and UDP connect and every datagram sent to an address. A placeholder of
     * {@code dns=remote}, or a destination socksify did not decide, is refused there.
     */
    public static Hook[] guard() {
        return new Hook[] {
            Hook.staticMethod(NET, "connect",
                    "(Ljava/net/ProtocolFamily;Ljava/io/FileDescriptor;Ljava/net/InetAddress;I)I")
                    .loads(Load.arg(2), Load.arg(3))
                    .call(ConnectGuard.class, "connect", Exit.NONE, "(" + INET + "I)V"),
            Hook.method(DATAGRAM_CHANNEL, "send",
                    "(Ljava/io/FileDescriptor;Ljava/nio/ByteBuffer;Ljava/net/InetSocketAddress;)I")
                    .loads(Load.arg(2))
                    .call(ConnectGuard.class, "send", Exit.NONE, "(" + INET_SOCKET + ")V"),
        };
    }

    /**
     * Child processes ({@code children=inherit}): the one static method every {@code ProcessBuilder.start} and
     * {@code Runtime.exec} goes through hands the child's environment to {@code ChildProcesses}.
     */
    public static Hook[] children() {
        return new Hook[] {
            Hook.staticMethod(ProcessImplRewrite.INTERNAL_NAME, "start", ProcessImplRewrite.DESCRIPTOR)
                    .rewrite(new ProcessImplRewrite()),
        };
    }

    private static Hook lookupArray(String owner) {
        return Hook.method(owner, "lookupAllHostAddr", "(Ljava/lang/String;)[Ljava/net/InetAddress;").jdk(17, 17)
                .loads(Load.arg(0))
                .call(NameDispatcher.class, "lookup", Exit.OBJECT_IF_NOT_NULL, "(" + STRING + ")" + INETS);
    }

    private static Hook lookupStream(String owner, String descriptor) {
        // A null policy: the original throws its NullPointerException.
        return Hook.method(owner, "lookupByName", descriptor).jdk(18, Integer.MAX_VALUE)
                .onlyIfNotNull(Load.arg(1))
                .loads(Load.arg(0), Load.argCall(1, LOOKUP_POLICY, "characteristics", "()I"))
                .call(NameDispatcher.class, "lookup", Exit.OBJECT_IF_NOT_NULL, "(" + STRING + "I)" + STREAM);
    }

    private static Hook reverse(String owner, String method, int min, int max) {
        return Hook.method(owner, method, "([B)Ljava/lang/String;").jdk(min, max)
                .loads(Load.arg(0))
                .call(NameDispatcher.class, "reverse", Exit.OBJECT_IF_NOT_NULL, "(" + BYTES + ")" + STRING);
    }

    /** @return every row of every transport, for the tests (the installer takes each transport's rows) */
    public static Hook[] all() {
        return concat(socket(), channel(), datagram(), names(), guard(), children(),
                new Hook[] {io.socksify.agent.jmx.PlatformMBeanServerHook.ROW});
    }

    /** @return the rows that apply on the JDK of feature release {@code feature} */
    public static Hook[] forJdk(Hook[] rows, int feature) {
        int n = 0;
        for (Hook h : rows) {
            if (h.appliesTo(feature)) {
                n++;
            }
        }
        Hook[] result = new Hook[n];
        n = 0;
        for (Hook h : rows) {
            if (h.appliesTo(feature)) {
                result[n++] = h;
            }
        }
        return result;
    }

    public static Hook[] concat(Hook[]... parts) {
        int n = 0;
        for (Hook[] p : parts) {
            n += p.length;
        }
        Hook[] result = new Hook[n];
        n = 0;
        for (Hook[] p : parts) {
            System.arraycopy(p, 0, result, n, p.length);
            n += p.length;
        }
        return result;
    }

    /** @return the rows of {@code rows} whose owner is {@code internalName} */
    public static Hook[] ofClass(Hook[] rows, String internalName) {
        int n = 0;
        for (Hook h : rows) {
            if (h.owner.equals(internalName)) {
                n++;
            }
        }
        Hook[] result = new Hook[n];
        n = 0;
        for (Hook h : rows) {
            if (h.owner.equals(internalName)) {
                result[n++] = h;
            }
        }
        return result;
    }
}
