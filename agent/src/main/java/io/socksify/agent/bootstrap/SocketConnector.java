package io.socksify.agent.bootstrap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketImpl;

/** Connects a {@code java.net.Socket}'s platform impl on the application's behalf; installed by the installer. */
public interface SocketConnector {
    /**
     * @param delegate the platform {@code SocketImpl} (NioSocketImpl) inside the socket's {@code SocksSocketImpl}
     * @return null when the JDK should connect as it would without socksify (a bypassed destination), else the
     *         destination the socket must report as its remote address once connected through the proxy
     * @throws IOException the connection's own failure; {@code delegate} is closed then
     */
    InetSocketAddress connect(SocketImpl delegate, InetSocketAddress endpoint, int timeoutMillis) throws IOException;
}
