import com.sun.net.httpserver.HttpServer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A program that knows nothing of SOCKS: it starts a small HTTP server on 127.0.0.1 that answers with the address
 * each request came from, then calls it three ways (java.net.Socket, HttpURLConnection, java.net.http.HttpClient).
 * Run under socksify with bypass=none, every request arrives from the proxy's outgoing address, not from the program.
 *
 *   java -javaagent:agent/target/socksify-agent.jar=proxy=socks5://127.0.0.1:1080,bypass=none examples/Demo.java
 */
public class Demo {
    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = ("request arrived from " + exchange.getRemoteAddress().getAddress().getHostAddress() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        int port = server.getAddress().getPort();
        try {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("GET /socket HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                String last = null;
                while ((line = in.readLine()) != null) {
                    last = line;
                }
                System.out.println("java.net.Socket:           " + last + "   (socket reports its peer as "
                        + socket.getRemoteSocketAddress() + ")");
            }

            HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/url")
                    .toURL().openConnection();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                    StandardCharsets.UTF_8))) {
                System.out.println("HttpURLConnection:         " + in.readLine());
            }

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/client")).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println("java.net.http.HttpClient:  " + response.body().strip());
        } finally {
            server.stop(0);
        }
    }
}
