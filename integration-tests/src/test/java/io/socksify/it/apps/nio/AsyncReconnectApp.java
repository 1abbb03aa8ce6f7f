package io.socksify.it.apps.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A reconnect loop as clients write it: {@code <host> <port> <attempts>}. The failure handler of an
 * {@code AsynchronousSocketChannel} connect opens a new channel and connects again from inside the handler (on the
 * channel group's thread, where the JDK may call the next handler inline), then, after the last attempt, tries a
 * blocking {@code SocketChannel} and a {@code Future} connect from the same handler. Prints {@code ATTEMPT <n> FAILED
 * <exception>} or {@code ATTEMPT <n> CONNECTED}, the same for {@code BLOCKING} and {@code FUTURE}, then {@code DONE}.
 */
public final class AsyncReconnectApp {
    private AsyncReconnectApp() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress address = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int attempts = Integer.parseInt(args[2]);
        CountDownLatch done = new CountDownLatch(1);
        AsynchronousSocketChannel.open().connect(address, 1, new Retry(address, attempts, done));
        if (!done.await(60, TimeUnit.SECONDS)) {
            System.out.println("TIMEOUT");
            System.exit(2);
        }
        System.out.println("DONE");
        System.exit(0);
    }

    private static final class Retry implements CompletionHandler<Void, Integer> {
        private final InetSocketAddress address;
        private final int attempts;
        private final CountDownLatch done;

        Retry(InetSocketAddress address, int attempts, CountDownLatch done) {
            this.address = address;
            this.attempts = attempts;
            this.done = done;
        }

        @Override
        public void completed(Void result, Integer attempt) {
            System.out.println("ATTEMPT " + attempt + " CONNECTED");
            done.countDown();
        }

        @Override
        public void failed(Throwable exc, Integer attempt) {
            System.out.println("ATTEMPT " + attempt + " FAILED " + exc);
            if (attempt < attempts) {
                try {
                    AsynchronousSocketChannel.open().connect(address, attempt + 1, this);
                } catch (IOException | RuntimeException e) {
                    System.out.println("RETRY THREW " + e);
                    done.countDown();
                }
                return;
            }
            try (SocketChannel ch = SocketChannel.open(address)) {
                System.out.println("BLOCKING CONNECTED " + ch.getRemoteAddress());
            } catch (IOException | RuntimeException e) {
                System.out.println("BLOCKING FAILED " + e);
            }
            try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
                ch.connect(address).get(30, TimeUnit.SECONDS);
                System.out.println("FUTURE CONNECTED " + ch.getRemoteAddress());
            } catch (Exception e) {
                System.out.println("FUTURE FAILED " + e);
            }
            done.countDown();
        }
    }
}
