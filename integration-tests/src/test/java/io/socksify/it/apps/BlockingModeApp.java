package io.socksify.it.apps;

import java.lang.reflect.Field;
import java.net.Socket;
import java.net.SocketImpl;

/**
 * {@code BlockingModeApp <host> <port>}: connects {@code new Socket(host, port)} (no timeout), echoes one byte and
 * prints {@code NON_BLOCKING <bool>}, the mode of the platform impl ({@code sun.nio.ch.NioSocketImpl.nonBlocking})
 * inside the socket's {@code SocksSocketImpl}. Needs {@code --add-opens java.base/java.net=ALL-UNNAMED} and
 * {@code java.base/sun.nio.ch}.
 */
public final class BlockingModeApp {
    private BlockingModeApp() {
    }

    public static void main(String[] args) throws Exception {
        try (Socket s = new Socket(args[0], Integer.parseInt(args[1]))) {
            s.getOutputStream().write(7);
            if (s.getInputStream().read() != 7) {
                throw new IllegalStateException("no echo");
            }
            Field impl = Socket.class.getDeclaredField("impl");
            impl.setAccessible(true);
            Object socks = impl.get(s);
            Field delegate = Class.forName("java.net.DelegatingSocketImpl").getDeclaredField("delegate");
            delegate.setAccessible(true);
            SocketImpl platform = (SocketImpl) delegate.get(socks);
            Field nonBlocking = platform.getClass().getDeclaredField("nonBlocking");
            nonBlocking.setAccessible(true);
            System.out.println("NON_BLOCKING " + nonBlocking.getBoolean(platform));
            System.out.println("OK");
        }
    }
}
