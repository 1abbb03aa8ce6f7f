package io.socksify.it.peers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Run in a child JVM by {@link SupportIT}: prints its Java version, connects directly to the echo server at
 * {@code args[0]:args[1]}, sends {@code args[2]} and prints the echo.
 */
public final class EchoClientMain {

    private EchoClientMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("java.specification.version=" + System.getProperty("java.specification.version"));
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write((args[2] + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            System.out.println("echo=" + in.readLine());
        }
        System.err.println("stderr is captured too");
    }
}
