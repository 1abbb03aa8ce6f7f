package io.socksify.protocol.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One daemon thread and one {@link Selector} that notice when proxies close the control connections of UDP
 * associations, however many there are. It starts on the first {@link UdpAssociation#onClose(Runnable)}.
 */
final class ControlConnectionWatcher implements Runnable {
    private static ControlConnectionWatcher instance;

    private final Selector selector;
    private final Queue<Object[]> pending = new ConcurrentLinkedQueue<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(256);

    private ControlConnectionWatcher() throws IOException {
        selector = Selector.open();
    }

    static synchronized ControlConnectionWatcher get() {
        if (instance == null) {
            try {
                instance = new ControlConnectionWatcher();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a selector to watch SOCKS control connections", e);
            }
            Thread thread = new Thread(instance, "socksify-udp-control-watcher");
            thread.setDaemon(true);
            thread.start();
        }
        return instance;
    }

    /** Calls {@code onEnd} (on the watcher's thread) once the peer closes {@code channel} or it fails. */
    void watch(SocketChannel channel, Runnable onEnd) {
        pending.add(new Object[] {channel, onEnd});
        selector.wakeup();
    }

    /** Makes the selector flush keys cancelled by a close, so the channel's socket is released at once. */
    void wakeup() {
        selector.wakeup();
    }

    @Override
    public void run() {
        while (true) {
            try {
                selector.select();
            } catch (IOException e) {
                return;
            }
            Object[] registration;
            while ((registration = pending.poll()) != null) {
                SocketChannel channel = (SocketChannel) registration[0];
                Runnable onEnd = (Runnable) registration[1];
                try {
                    channel.register(selector, SelectionKey.OP_READ, onEnd);
                } catch (ClosedChannelException e) {
                    onEnd.run();
                }
            }
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                if (!key.isValid() || !ended((SocketChannel) key.channel())) {
                    continue;
                }
                key.cancel();
                ((Runnable) key.attachment()).run();
            }
        }
    }

    /** Drains what the proxy sent (nothing is expected after its reply) and tells whether the connection ended. */
    private boolean ended(SocketChannel channel) {
        try {
            int n;
            do {
                scratch.clear();
                n = channel.read(scratch);
            } while (n > 0);
            return n < 0;
        } catch (IOException e) {
            return true;
        }
    }
}
