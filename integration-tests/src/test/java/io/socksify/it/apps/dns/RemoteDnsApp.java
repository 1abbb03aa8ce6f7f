package io.socksify.it.apps.dns;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * A host name used the way applications use one, each resolving it itself before connecting (run under the agent
 * by the DNS ITs): {@code <kind> <host> <port>}. Kinds: {@code lookup} ({@code InetAddress} forward and reverse),
 * {@code socket} ({@code new Socket(host, port)}), {@code ssl} ({@code SSLSocket} with HTTPS host name
 * verification), {@code channel} ({@code SocketChannel.open(new InetSocketAddress(host, port))}), {@code udp}
 * ({@code DatagramSocket.send} to {@code new InetSocketAddress(host, port)}), {@code http}
 * ({@code HttpURLConnection}), {@code okhttp}, {@code httpclient} and {@code https} ({@code java.net.http}), and
 * {@code direct} ({@code new Socket(Proxy.NO_PROXY)}, routed all the same). Stream kinds talk to an echo target, UDP to a UDP echo target,
 * HTTP kinds to an HTTP target.
 *
 * <p>Prints {@code ADDRESS <InetAddress.getByName(host)>} (after the connection: what the JDK's cache holds) and
 * {@code OK}, or {@code FAILED <exception class> <message>} and exits with 3.
 */
public final class RemoteDnsApp {
    private static final byte[] MESSAGE = "hello by name\n".getBytes(StandardCharsets.UTF_8);

    private RemoteDnsApp() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        try {
            switch (kind) {
                case "lookup" -> {
                    InetAddress a = InetAddress.getByName(host);
                    System.out.println("HOSTNAME " + a.getHostName());
                    System.out.println("CANONICAL " + a.getCanonicalHostName());
                    InetAddress bare = InetAddress.getByAddress(a.getAddress());
                    System.out.println("REVERSE " + bare.getHostName());
                    System.out.println("ALL " + Arrays.toString(InetAddress.getAllByName(host)));
                }
                case "socket" -> {
                    try (Socket s = new Socket(host, port)) {
                        echo(s);
                    }
                }
                case "direct" -> {
                    try (Socket s = new Socket(Proxy.NO_PROXY)) {
                        s.connect(new InetSocketAddress(host, port), 5_000);
                        echo(s);
                    }
                }
                case "ssl" -> {
                    try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket(host, port)) {
                        SSLParameters p = s.getSSLParameters();
                        p.setEndpointIdentificationAlgorithm("HTTPS");
                        s.setSSLParameters(p);
                        s.startHandshake();
                        echo(s);
                    }
                }
                case "channel" -> {
                    try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port))) {
                        System.out.println("REMOTE " + ch.getRemoteAddress());
                        ch.write(ByteBuffer.wrap(MESSAGE));
                        ByteBuffer back = ByteBuffer.allocate(MESSAGE.length);
                        ch.socket().setSoTimeout(10_000);
                        try (InputStream in = ch.socket().getInputStream()) {
                            back.put(in.readNBytes(MESSAGE.length));
                        }
                        check(back.array());
                    }
                }
                case "udp" -> {
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.setSoTimeout(10_000);
                        s.send(new DatagramPacket(MESSAGE, MESSAGE.length, new InetSocketAddress(host, port)));
                        DatagramPacket reply = new DatagramPacket(new byte[1024], 1024);
                        s.receive(reply);
                        System.out.println("SENDER " + reply.getSocketAddress());
                        check(Arrays.copyOf(reply.getData(), reply.getLength()));
                    }
                }
                case "http" -> {
                    HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + ":" + port + "/")
                            .toURL().openConnection();
                    c.setConnectTimeout(5_000);
                    c.setReadTimeout(10_000);
                    try (InputStream in = c.getInputStream()) {
                        System.out.println("STATUS " + c.getResponseCode());
                        System.out.print("BODY " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
                case "okhttp" -> {
                    OkHttpClient client = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(5))
                            .readTimeout(Duration.ofSeconds(10)).retryOnConnectionFailure(false).build();
                    try (Response r = client.newCall(new Request.Builder()
                            .url("http://" + host + ":" + port + "/").build()).execute()) {
                        System.out.println("STATUS " + r.code());
                        System.out.print("BODY " + r.body().string());
                    }
                    client.dispatcher().executorService().shutdown();
                    client.connectionPool().evictAll();
                }
                case "httpclient", "https" -> {
                    String scheme = kind.equals("https") ? "https" : "http";
                    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(Duration.ofSeconds(5)).build();
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create(scheme + "://" + host + ":" + port + "/")).timeout(Duration.ofSeconds(10))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    System.out.println("STATUS " + r.statusCode());
                    System.out.print("BODY " + r.body());
                }
                default -> throw new IllegalArgumentException("kind: " + kind);
            }
            System.out.println("ADDRESS " + InetAddress.getByName(host));
            System.out.println("OK");
        } catch (IOException e) {
            System.out.println("FAILED " + e.getClass().getName() + " " + e.getMessage());
            System.exit(3);
        }
        System.exit(0);
    }

    private static void echo(Socket s) throws IOException {
        System.out.println("REMOTE " + s.getRemoteSocketAddress());
        s.setSoTimeout(10_000);
        s.getOutputStream().write(MESSAGE);
        s.getOutputStream().flush();
        check(s.getInputStream().readNBytes(MESSAGE.length));
    }

    private static void check(byte[] back) throws IOException {
        if (!Arrays.equals(MESSAGE, back)) {
            throw new IOException("echo mismatch: " + new String(back, StandardCharsets.UTF_8));
        }
        System.out.println("ECHO ok");
    }
}
