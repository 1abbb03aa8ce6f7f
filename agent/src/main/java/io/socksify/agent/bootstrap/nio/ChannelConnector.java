package io.socksify.agent.bootstrap.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;

/**
 * Routes NIO channels on the application's behalf; installed by the installer, called through
 * {@link ChannelDispatcher} from prologues in {@code sun.nio.ch}. See {@code agent/NIO-DESIGN.md}.
 */
public interface ChannelConnector {
    /**
     * {@code SocketChannel.connect}.
     *
     * @return -1 to let the JDK connect as asked, else what {@code connect} returns (1 = connected, 0 = pending)
     */
    int connect(SocketChannel channel, InetSocketAddress remote) throws IOException;

    /** {@code SocketChannelImpl.blockingConnect}: @return whether the channel was connected here */
    boolean blockingConnect(SocketChannel channel, InetSocketAddress remote, long nanos) throws IOException;

    /** {@code finishConnect}: @return whether to answer false (the SOCKS handshake is still running) */
    boolean finishConnectPending(SocketChannel channel) throws IOException;

    /** {@code SelectionKeyImpl.translateInterestOps}: @return -1 to let the JDK translate, else 0 (hidden) */
    int interestEvents(SelectionKey key);

    /** {@code translateReadyOps}: @return -1 to let the JDK translate, else 1 or 0 after setting the ready set */
    int translateReadyOps(SocketChannel channel, int events, int initialOps, SelectionKey key);

    /** @return null to let the JDK connect, else the future of the connection through the proxy */
    Future<Void> connectAsync(AsynchronousSocketChannel channel, InetSocketAddress remote);

    /** @return whether the connect was taken over (the handler is then called once, after the SOCKS reply) */
    boolean connectAsync(AsynchronousSocketChannel channel, InetSocketAddress remote, Object attachment,
            CompletionHandler<Void, Object> handler);
}
