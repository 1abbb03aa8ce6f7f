package io.socksify.it.apps.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.lang.reflect.InvocationTargetException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Netty client with the native transports on its class path, for Netty 4.1 (the incubator's io_uring) and 4.2
 * (its own io_uring): {@code <mode> <host> <port>}, where mode is {@code idiom} (the usual
 * {@code Epoll.isAvailable() ? epoll : ioUring available ? io_uring : NIO}), {@code epoll} or {@code uring} (forced),
 * {@code udp-idiom}, {@code udp-epoll}, {@code udp-uring} (one datagram, echoed back, on a datagram channel of that
 * choice), or {@code loop}: epoll, initialised at once, then one connection attempt after another for an attach
 * test, each printing {@code R<n> ok} or {@code R<n> fail <causes>}.
 * Only API both versions have is used directly; io_uring, which moved, by reflection.
 *
 * <p>Prints {@code NETTY <version>}, {@code EPOLL_AVAILABLE}, {@code EPOLL_CAUSE}, {@code URING_AVAILABLE},
 * {@code URING_CAUSE}, {@code TRANSPORT}, then {@code REMOTE <address>}, {@code ECHO ok} and {@code OK}, or
 * {@code FAILED <each cause's type: message, joined by " <- ">} and exits with 3.
 */
public final class NativeNettyApp {
    private static final String MESSAGE = "hello through socksify and native netty\n";

    private NativeNettyApp() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        System.out.println("NETTY " + Channel.class.getPackage().getImplementationVersion());
        System.out.println("EPOLL_AVAILABLE " + Epoll.isAvailable());
        System.out.println("EPOLL_CAUSE " + oneLine(Epoll.unavailabilityCause()));
        Class<?> uring = uringClass();
        boolean uringAvailable = (Boolean) uring.getMethod("isAvailable").invoke(null);
        System.out.println("URING_AVAILABLE " + uringAvailable);
        System.out.println("URING_CAUSE " + oneLine((Throwable) uring.getMethod("unavailabilityCause").invoke(null)));
        String transport = switch (mode) {
            case "idiom" -> Epoll.isAvailable() ? "epoll" : uringAvailable ? "uring" : "nio";
            case "epoll", "uring" -> mode;
            case "loop" -> "epoll";
            case "udp-idiom", "udp-epoll", "udp-uring" -> "udp";
            default -> throw new IllegalArgumentException("mode: " + mode);
        };
        System.out.println("TRANSPORT " + transport);
        if (mode.startsWith("udp-")) {
            String udpTransport = mode.equals("udp-idiom")
                    ? (Epoll.isAvailable() ? "epoll" : uringAvailable ? "uring" : "nio") : mode.substring(4);
            System.out.println("UDP_TRANSPORT " + udpTransport);
            datagram(udpTransport, uring, args[1], Integer.parseInt(args[2]));
            return;
        }
        if (mode.equals("loop")) {
            loop(args[1], Integer.parseInt(args[2]));
            return;
        }
        EventLoopGroup group = null;
        try {
            Class<? extends Channel> channelType;
            switch (transport) {
                case "epoll" -> {
                    group = new EpollEventLoopGroup(1);
                    channelType = EpollSocketChannel.class;
                }
                case "uring" -> {
                    group = uringGroup(uring);
                    channelType = Class.forName(uring.getPackageName() + (uring.getSimpleName().equals("IoUring")
                            ? ".IoUringSocketChannel" : ".IOUringSocketChannel")).asSubclass(Channel.class);
                }
                default -> {
                    group = new NioEventLoopGroup(1);
                    channelType = NioSocketChannel.class;
                }
            }
            echo(group, channelType, args[1], Integer.parseInt(args[2]));
            System.out.println("OK");
        } catch (Throwable e) {
            System.out.println("FAILED " + chain(e));
            System.out.flush();
            System.exit(3);
        } finally {
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    private static String chain(Throwable e) {
        Throwable t = e instanceof InvocationTargetException i ? i.getCause() : e;
        StringBuilder chain = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            chain.append(chain.length() == 0 ? "" : " <- ").append(oneLine(t));
        }
        return chain.toString();
    }

    /** Connects again and again on one epoll event loop group, made (so epoll initialised) before any attach. */
    private static void loop(String host, int port) throws InterruptedException {
        EventLoopGroup group = new EpollEventLoopGroup(1);
        System.out.println("ready");
        for (int round = 1; ; round++) {
            try {
                echo(group, EpollSocketChannel.class, host, port);
                System.out.println("R" + round + " ok");
            } catch (Throwable e) {
                System.out.println("R" + round + " fail " + chain(e));
            }
            Thread.sleep(300);
        }
    }

    /** Sends one datagram and waits for its echo; prints {@code ECHO ok} and {@code OK} or {@code FAILED ...}. */
    private static void datagram(String transport, Class<?> uring, String host, int port) {
        EventLoopGroup group = null;
        try {
            Class<? extends Channel> type;
            switch (transport) {
                case "epoll" -> {
                    group = new EpollEventLoopGroup(1);
                    type = io.netty.channel.epoll.EpollDatagramChannel.class;
                }
                case "uring" -> {
                    group = uringGroup(uring);
                    type = Class.forName(uring.getPackageName() + (uring.getSimpleName().equals("IoUring")
                            ? ".IoUringDatagramChannel" : ".IOUringDatagramChannel")).asSubclass(Channel.class);
                }
                default -> {
                    group = new NioEventLoopGroup(1);
                    type = io.netty.channel.socket.nio.NioDatagramChannel.class;
                }
            }
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel channel = new Bootstrap().group(group).channel(type)
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                            echoed.complete(packet.content().toString(StandardCharsets.UTF_8));
                        }
                    })
                    .bind(0).sync().channel();
            channel.writeAndFlush(new DatagramPacket(Unpooled.copiedBuffer(MESSAGE, StandardCharsets.UTF_8),
                    new InetSocketAddress(host, port)))
                    .sync();
            if (!MESSAGE.equals(echoed.get(10, TimeUnit.SECONDS))) {
                throw new IllegalStateException("echo mismatch");
            }
            System.out.println("ECHO ok");
            channel.close().sync();
            System.out.println("OK");
        } catch (Throwable e) {
            System.out.println("FAILED " + chain(e));
            System.out.flush();
            System.exit(3);
        } finally {
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    private static Class<?> uringClass() throws ClassNotFoundException {
        try {
            return Class.forName("io.netty.channel.uring.IoUring");
        } catch (ClassNotFoundException e) {
            return Class.forName("io.netty.incubator.channel.uring.IOUring");
        }
    }

    private static EventLoopGroup uringGroup(Class<?> uring) throws ReflectiveOperationException {
        String pkg = uring.getPackageName();
        if (uring.getSimpleName().equals("IoUring")) {
            Class<?> factoryType = Class.forName("io.netty.channel.IoHandlerFactory");
            Object factory = Class.forName(pkg + ".IoUringIoHandler").getMethod("newFactory").invoke(null);
            return (EventLoopGroup) Class.forName("io.netty.channel.MultiThreadIoEventLoopGroup")
                    .getConstructor(int.class, factoryType).newInstance(1, factory);
        }
        return (EventLoopGroup) Class.forName(pkg + ".IOUringEventLoopGroup").getConstructor(int.class)
                .newInstance(1);
    }

    private static void echo(EventLoopGroup group, Class<? extends Channel> channelType, String host, int port)
            throws Exception {
        CompletableFuture<String> echoed = new CompletableFuture<>();
        StringBuilder received = new StringBuilder();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.writeAndFlush(Unpooled.copiedBuffer(MESSAGE, StandardCharsets.UTF_8));
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                received.append(buf.toString(StandardCharsets.UTF_8));
                                buf.release();
                                if (received.length() >= MESSAGE.length()) {
                                    echoed.complete(received.toString());
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                echoed.completeExceptionally(cause);
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                // A target that turns the connection away closes it: fail now, not at the timeout.
                                echoed.completeExceptionally(new java.io.IOException("the connection closed after "
                                        + received.length() + " of " + MESSAGE.length() + " characters of the echo"));
                            }
                        });
                    }
                });
        Channel channel = bootstrap.connect(host, port).sync().channel();
        System.out.println("REMOTE " + channel.remoteAddress());
        if (!MESSAGE.equals(echoed.get(10, TimeUnit.SECONDS))) {
            throw new IllegalStateException("echo mismatch: " + received);
        }
        System.out.println("ECHO ok");
        channel.close().sync();
    }

    private static String oneLine(Throwable t) {
        return t == null ? "null" : (t.getClass().getName() + ": " + t.getMessage()).replace('\n', ' ');
    }
}
