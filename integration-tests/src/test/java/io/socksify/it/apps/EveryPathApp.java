package io.socksify.it.apps;

import io.socksify.it.apps.grpc.GrpcUnaryApp;
import io.socksify.it.apps.netty.NativeNettyApp;
import io.socksify.it.apps.nio.NioClientApp;
import io.socksify.it.apps.udp.UdpClientApp;

import java.util.ArrayList;
import java.util.List;

/**
 * Every client path in one JVM, one after the other, each by the app the path's own ITs use:
 * {@code <host> <ip> <tcp echo port> <tls echo port> <http port> <https port> <udp echo port> <grpc port>}, where
 * {@code host} is a name and {@code ip} an address literal of the same targets: {@code Socket} by address and the
 * datagram paths use {@code ip} (a datagram's sender is the address it came from, which the datagram apps check
 * against the address they sent to), the others {@code host}.
 * {@code Socket} (by address and by name), {@code SSLSocket}, {@code HttpURLConnection}, {@code HttpClient} (HTTP and
 * HTTPS), {@code SocketChannel} blocking, on a selector and asynchronous (future and handler),
 * {@code DatagramSocket}, {@code DatagramChannel} (blocking and on a selector), gRPC over {@code grpc-netty-shaded},
 * and Netty 4.2 with native epoll and io_uring on the class path (its availability idiom, TCP and UDP).
 *
 * <p>Prints {@code PATH <name>} before each path, that app's own lines, and {@code ALL_OK} at the end; a path that
 * fails exits the JVM with that app's failure (exit 3) right after its {@code PATH} line.
 */
public final class EveryPathApp {

    private interface Main {
        void run(String[] args) throws Exception;
    }

    private record Path(String name, Main main, String... args) {
    }

    private EveryPathApp() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        String ip = args[1];
        String tcp = args[2];
        String tls = args[3];
        String http = args[4];
        String https = args[5];
        String udp = args[6];
        String grpc = args[7];
        List<Path> paths = new ArrayList<>(List.of(
                new Path("socket-ip", ConnectApp::main, "ip", ip, tcp),
                new Path("socket-name", ConnectApp::main, "name", host, tcp),
                new Path("ssl-socket", ConnectApp::main, "ssl", host, tls),
                new Path("http-url-connection", ConnectApp::main, "http", host, http),
                new Path("http-client", NioClientApp::main, "http", host, http),
                new Path("http-client-tls", NioClientApp::main, "https", host, https),
                new Path("channel-blocking", NioClientApp::main, "blocking", host, tcp),
                new Path("channel-selector", NioClientApp::main, "selector", host, tcp, "3"),
                new Path("channel-async-future", NioClientApp::main, "future", host, tcp),
                new Path("channel-async-handler", NioClientApp::main, "handler", host, tcp),
                new Path("datagram-socket", UdpClientApp::main, "socket", ip, udp, "5"),
                new Path("datagram-channel", UdpClientApp::main, "channel", ip, udp, "5"),
                new Path("datagram-channel-selector", UdpClientApp::main, "selector", ip, udp, "5"),
                new Path("grpc-netty-shaded", GrpcUnaryApp::main, host, grpc),
                new Path("netty-epoll-idiom", NativeNettyApp::main, "idiom", host, tcp),
                new Path("netty-epoll-idiom-udp", NativeNettyApp::main, "udp-idiom", ip, udp)));
        for (Path path : paths) {
            System.out.println("PATH " + path.name());
            path.main().run(path.args());
        }
        System.out.println("ALL_OK");
        System.out.flush();
        // Some paths leave pools behind (HttpClient's selector thread, gRPC's executors); this JVM is done.
        System.exit(0);
    }
}
