package io.socksify.it.apps;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * One connection the way an application makes it, run under the agent by the agent ITs:
 * {@code <kind> <host> <port> [connectTimeoutMillis]}. Kinds: {@code ip} ({@code new Socket()} then connect to a
 * resolved address), {@code name} ({@code new Socket(host, port)}), {@code unresolved} (connect to
 * {@code InetSocketAddress.createUnresolved}), {@code ssl} ({@code SSLSocketFactory.createSocket(host, port)}),
 * {@code http} and {@code https} ({@code HttpURLConnection}), {@code okhttp} and {@code ftp} (an {@code ftp://} URL: {@link #FTP_FILE} as
 * {@link #FTP_USER}), {@code noproxy} ({@code new Socket(Proxy.NO_PROXY)}), {@code socksproxy} and
 * {@code httpproxy} ({@code new Socket(new Proxy(SOCKS or HTTP, it.appProxy))}, the system property
 * {@code it.appProxy} giving the application's own proxy as {@code host:port}), {@code selector} ({@code new Socket()}
 * with a default {@code ProxySelector} that answers the SOCKS proxy {@code it.appProxy}). Socket kinds talk to an echo target,
 * the HTTP kinds to an HTTP target, {@code ftp} to an FTP target.
 *
 * <p>Prints {@code REMOTE <address>} and {@code OK}, or {@code FAILED <exception class> <message>},
 * {@code KIND <standard exception type>} and {@code ELAPSED <ms>} and exits with 3.
 */
public final class ConnectApp {
    public static final String FTP_USER = "it";
    public static final String FTP_PASSWORD = "secret";
    public static final String FTP_FILE = "hello.txt";
    private static final byte[] MESSAGE = "hello through socksify\n".getBytes(StandardCharsets.UTF_8);

    private ConnectApp() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        int timeout = args.length > 3 ? Integer.parseInt(args[3]) : 5_000;
        long start = System.nanoTime();
        try {
            switch (kind) {
                case "ip" -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(InetAddress.getByName(host), port), timeout);
                        echo(s);
                    }
                }
                case "name" -> {
                    try (Socket s = new Socket(host, port)) {
                        echo(s);
                    }
                }
                case "unresolved" -> {
                    try (Socket s = new Socket()) {
                        s.connect(InetSocketAddress.createUnresolved(host, port), timeout);
                        echo(s);
                    }
                }
                case "noproxy" -> {
                    try (Socket s = new Socket(Proxy.NO_PROXY)) {
                        s.connect(new InetSocketAddress(InetAddress.getByName(host), port), timeout);
                        echo(s);
                    }
                }
                case "selector" -> {
                    String[] appProxy = System.getProperty("it.appProxy").split(":");
                    Proxy proxy = new Proxy(Proxy.Type.SOCKS,
                            new InetSocketAddress(appProxy[0], Integer.parseInt(appProxy[1])));
                    ProxySelector.setDefault(new ProxySelector() {
                        @Override
                        public List<Proxy> select(URI uri) {
                            return List.of(proxy);
                        }

                        @Override
                        public void connectFailed(URI uri, SocketAddress address, IOException e) {
                        }
                    });
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(InetAddress.getByName(host), port), timeout);
                        echo(s);
                    }
                }
                case "socksproxy", "httpproxy" -> {
                    String[] appProxy = System.getProperty("it.appProxy").split(":");
                    Proxy proxy = new Proxy(kind.equals("socksproxy") ? Proxy.Type.SOCKS : Proxy.Type.HTTP,
                            new InetSocketAddress(appProxy[0], Integer.parseInt(appProxy[1])));
                    try (Socket s = new Socket(proxy)) {
                        s.connect(new InetSocketAddress(InetAddress.getByName(host), port), timeout);
                        echo(s);
                    }
                }
                case "ssl" -> {
                    try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket(host, port)) {
                        s.startHandshake();
                        echo(s);
                    }
                }
                case "http" -> {
                    HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + ":" + port + "/")
                            .toURL().openConnection();
                    c.setConnectTimeout(timeout);
                    c.setReadTimeout(10_000);
                    try (InputStream in = c.getInputStream()) {
                        System.out.println("STATUS " + c.getResponseCode());
                        System.out.print("BODY " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
                case "https" -> {
                    HttpURLConnection c = (HttpURLConnection) URI.create("https://" + host + ":" + port + "/")
                            .toURL().openConnection();
                    c.setConnectTimeout(timeout);
                    c.setReadTimeout(10_000);
                    try (InputStream in = c.getInputStream()) {
                        System.out.println("STATUS " + c.getResponseCode());
                        System.out.print("BODY " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
                case "okhttp" -> {
                    OkHttpClient client = new OkHttpClient.Builder().connectTimeout(Duration.ofMillis(timeout))
                            .readTimeout(Duration.ofSeconds(10)).retryOnConnectionFailure(false).build();
                    try (Response r = client.newCall(new Request.Builder()
                            .url("http://" + host + ":" + port + "/").build()).execute()) {
                        System.out.println("STATUS " + r.code());
                        System.out.print("BODY " + r.body().string());
                    }
                    client.dispatcher().executorService().shutdown();
                    client.connectionPool().evictAll();
                }
                case "ftp" -> {
                    URLConnection c = URI.create("ftp://" + FTP_USER + ":" + FTP_PASSWORD + "@" + host + ":" + port
                            + "/" + FTP_FILE).toURL().openConnection();
                    c.setConnectTimeout(timeout);
                    c.setReadTimeout(10_000);
                    try (InputStream in = c.getInputStream()) {
                        System.out.println("BODY " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
                default -> throw new IllegalArgumentException("kind: " + kind);
            }
            System.out.println("OK");
        } catch (IOException e) {
            System.out.println("FAILED " + e.getClass().getName() + " " + e.getMessage());
            System.out.println("KIND " + kind(e));
            System.out.println("ELAPSED " + (System.nanoTime() - start) / 1_000_000);
            System.exit(3);
        }
    }

    /** The standard type an application would catch (socksify's own subclasses are relocated inside the agent). */
    private static String kind(IOException e) {
        for (Class<?> c : new Class<?>[] {java.net.SocketTimeoutException.class, java.net.UnknownHostException.class,
            java.net.NoRouteToHostException.class, java.net.ConnectException.class, java.net.SocketException.class}) {
            if (c.isInstance(e)) {
                return c.getSimpleName();
            }
        }
        return e.getClass().getSimpleName();
    }

    static void echo(Socket s) throws IOException {
        System.out.println("REMOTE " + s.getRemoteSocketAddress() + " PORT " + s.getPort());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(MESSAGE);
        s.getOutputStream().flush();
        byte[] back = s.getInputStream().readNBytes(MESSAGE.length);
        if (!Arrays.equals(MESSAGE, back)) {
            throw new IOException("echo mismatch: " + new String(back, StandardCharsets.UTF_8));
        }
        System.out.println("ECHO ok");
    }
}
