package io.socksify.it.apps.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A connect on a channel that is connected, connecting or closed: {@code <host> <port>}. For each case prints one line
 * {@code CASE <name> <what the JDK answered> open=<isOpen after> echo=<whether the first connection still works>};
 * the IT compares these lines with and without the agent.
 */
public final class ChannelStateApp {
    private static final byte[] MESSAGE = "state\n".getBytes(StandardCharsets.UTF_8);

    private ChannelStateApp() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress address = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        asyncConnected(address, false);
        asyncConnected(address, true);
        asyncClosed(address, false);
        asyncClosed(address, true);
        asyncPending(address);
        blockingConnected(address);
        adaptorConnected(address);
        channelClosed(address, true);
        channelClosed(address, false);
        nonBlockingPending(address);
        System.out.println("DONE");
    }

    private static String name(Throwable t) {
        Throwable c = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
        return c.getClass().getName();
    }

    private static void asyncConnected(InetSocketAddress address, boolean handler) throws Exception {
        try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
            ch.connect(address).get(30, TimeUnit.SECONDS);
            String answer;
            try {
                if (handler) {
                    Recorder r = new Recorder();
                    ch.connect(address, null, r);
                    r.get(30, TimeUnit.SECONDS);
                } else {
                    ch.connect(address).get(30, TimeUnit.SECONDS);
                }
                answer = "no exception";
            } catch (Exception e) {
                answer = name(e);
            }
            System.out.println("CASE async-connected-" + (handler ? "handler" : "future") + " " + answer + " open="
                    + ch.isOpen() + " echo=" + echo(ch));
        }
    }

    private static void asyncClosed(InetSocketAddress address, boolean handler) throws Exception {
        AsynchronousSocketChannel ch = AsynchronousSocketChannel.open();
        ch.close();
        String answer;
        try {
            if (handler) {
                Recorder r = new Recorder();
                ch.connect(address, null, r);
                r.get(30, TimeUnit.SECONDS);
            } else {
                ch.connect(address).get(30, TimeUnit.SECONDS);
            }
            answer = "no exception";
        } catch (Exception e) {
            answer = name(e);
        }
        System.out.println("CASE async-closed-" + (handler ? "handler" : "future") + " " + answer);
    }

    /** A second connect while the first is under way: pending or (loopback is fast) connected, never more. */
    private static void asyncPending(InetSocketAddress address) throws Exception {
        try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
            Future<Void> first = ch.connect(address);
            String answer;
            try {
                ch.connect(address);
                answer = "no exception";
            } catch (RuntimeException e) {
                answer = e instanceof java.nio.channels.ConnectionPendingException
                        || e instanceof java.nio.channels.AlreadyConnectedException ? "refused" : name(e);
            }
            first.get(30, TimeUnit.SECONDS);
            System.out.println("CASE async-pending " + answer + " open=" + ch.isOpen() + " echo=" + echo(ch));
        }
    }

    private static void blockingConnected(InetSocketAddress address) throws Exception {
        try (SocketChannel ch = SocketChannel.open(address)) {
            String answer;
            try {
                ch.connect(address);
                answer = "no exception";
            } catch (Exception e) {
                answer = name(e);
            }
            System.out.println("CASE blocking-connected " + answer + " open=" + ch.isOpen() + " echo=" + echo(ch));
        }
    }

    private static void adaptorConnected(InetSocketAddress address) throws Exception {
        try (SocketChannel ch = SocketChannel.open(address)) {
            String answer;
            try {
                ch.socket().connect(address, 5_000);
                answer = "no exception";
            } catch (Exception e) {
                answer = name(e);
            }
            System.out.println("CASE adaptor-connected " + answer + " open=" + ch.isOpen() + " echo=" + echo(ch));
        }
    }

    private static void channelClosed(InetSocketAddress address, boolean blocking) throws Exception {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(blocking);
        ch.close();
        String answer;
        try {
            ch.connect(address);
            answer = "no exception";
        } catch (Exception e) {
            answer = name(e);
        }
        System.out.println("CASE channel-closed-" + (blocking ? "blocking" : "non-blocking") + " " + answer);
    }

    private static void nonBlockingPending(InetSocketAddress address) throws Exception {
        try (SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(false);
            boolean connected = ch.connect(address);
            String answer;
            try {
                ch.connect(address);
                answer = "no exception";
            } catch (Exception e) {
                // Connected at once (loopback, no agent) the JDK says AlreadyConnected, else ConnectionPending.
                String expected = connected ? "java.nio.channels.AlreadyConnectedException"
                        : "java.nio.channels.ConnectionPendingException";
                answer = name(e).equals(expected) ? "refused" : name(e);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!ch.finishConnect()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("not connected in time");
                }
                Thread.sleep(5);
            }
            ch.configureBlocking(true);
            System.out.println("CASE non-blocking-pending " + answer + " open=" + ch.isOpen() + " echo=" + echo(ch));
        }
    }

    private static boolean echo(SocketChannel ch) {
        try {
            ch.write(ByteBuffer.wrap(MESSAGE));
            ByteBuffer back = ByteBuffer.allocate(MESSAGE.length);
            while (back.hasRemaining()) {
                if (ch.read(back) < 0) {
                    return false;
                }
            }
            return java.util.Arrays.equals(MESSAGE, back.array());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean echo(AsynchronousSocketChannel ch) {
        try {
            ch.write(ByteBuffer.wrap(MESSAGE)).get(10, TimeUnit.SECONDS);
            ByteBuffer back = ByteBuffer.allocate(MESSAGE.length);
            while (back.hasRemaining()) {
                if (ch.read(back).get(10, TimeUnit.SECONDS) < 0) {
                    return false;
                }
            }
            return java.util.Arrays.equals(MESSAGE, back.array());
        } catch (Exception e) {
            return false;
        }
    }

    /** A handler as a future: what reaches {@code failed} is thrown by {@code get}. */
    private static final class Recorder extends CompletableFuture<Void> implements CompletionHandler<Void, Object> {
        @Override
        public void completed(Void result, Object attachment) {
            complete(null);
        }

        @Override
        public void failed(Throwable exc, Object attachment) {
            completeExceptionally(exc);
        }
    }
}
