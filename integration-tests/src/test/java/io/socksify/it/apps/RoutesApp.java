package io.socksify.it.apps;

import io.socksify.it.apps.nio.NioClientApp;
import io.socksify.it.apps.udp.UdpClientApp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several connections in one application, so that one JVM under one configuration reaches several destinations:
 * {@code <app> <args...> [-- <app> <args...>]...}, where app is {@code connect} ({@link ConnectApp}), {@code nio}
 * ({@link NioClientApp}), {@code udp} ({@link UdpClientApp}), {@code try <host> <port> <timeout>} (a socket connect
 * and echo whose failure does not end the application: {@code TRY n OK} or {@code TRY n FAILED <class> <message>})
 * or {@code sleep <ms>}. Each step prints {@code STEP n} and then what its app prints; a failing step other than
 * {@code try} ends the JVM with that app's exit code 3.
 */
public final class RoutesApp {
    private RoutesApp() {
    }

    public static void main(String[] args) throws Exception {
        List<List<String>> steps = new ArrayList<>();
        List<String> step = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--")) {
                steps.add(step);
                step = new ArrayList<>();
            } else {
                step.add(a);
            }
        }
        steps.add(step);
        int n = 0;
        for (List<String> s : steps) {
            System.out.println("STEP " + ++n + " " + s);
            String[] rest = s.subList(1, s.size()).toArray(String[]::new);
            switch (s.get(0)) {
                case "connect" -> ConnectApp.main(rest);
                case "nio" -> NioClientApp.main(rest);
                case "udp" -> UdpClientApp.main(rest);
                case "try" -> attempt(n, rest);
                case "sleep" -> Thread.sleep(Long.parseLong(rest[0]));
                default -> throw new IllegalArgumentException("app: " + s.get(0) + " in " + Arrays.toString(args));
            }
        }
        System.out.println("ALL OK");
    }

    private static void attempt(int n, String[] args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])),
                    Integer.parseInt(args[2]));
            ConnectApp.echo(s);
            System.out.println("TRY " + n + " OK");
        } catch (IOException e) {
            System.out.println("TRY " + n + " FAILED " + e.getClass().getName() + " " + e.getMessage());
        }
    }
}
