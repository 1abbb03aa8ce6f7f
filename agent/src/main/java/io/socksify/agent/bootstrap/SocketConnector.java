package io.socksify.agent.bootstrap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketImpl;

/** Connects a {@code java.net.Socket}'s platform impl on the application's behalf; installed by the installer. */
public interface SocketConnector {
    /**
     * @param impl the platform {@code SocketImpl} ({@code NioSocketImpl}; JDK 17's legacy impl) being connected,
     *             the socket's own or the one inside its {@code SocksSocketImpl} or {@code HttpConnectSocketImpl}
     * @param endpoint what the JDK connects it to: the destination, or the proxy the application chose
     * @return false when the JDK should connect as it would without socksify (a bypassed destination), true when
     *         socksify has connected {@code impl} (through the proxy) and set its remote address to {@code endpoint}
     * @throws IOException the connection's own failure; {@code impl} is closed then
     */
    boolean connect(SocketImpl impl, InetSocketAddress endpoint, int timeoutMillis) throws IOException;
}
