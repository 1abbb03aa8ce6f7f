package io.socksify.it.apps.nio;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Netty 4 client bootstrap (NIO transport, as a Netty application configures it) that connects, writes a line
 * and reads it back: {@code <host> <port>}. Netty throws {@code new Error()} if {@code finishConnect()} returns false
 * after OP_CONNECT, so this also checks the channel is reported connected only once.
 *
 * <p>Prints {@code NO_NATIVE <property>}, {@code REMOTE <address>}, {@code ECHO ok} and {@code OK}, or
 * {@code FAILED ...} and exits with 3.
 */
public final class NettyEchoApp {
    private static final String MESSAGE = "hello through socksify and netty\n";

    private NettyEchoApp() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("NO_NATIVE " + System.getProperty("io.netty.transport.noNative"));
        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            CompletableFuture<String> echoed = new CompletableFuture<>();
            StringBuilder received = new StringBuilder();
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
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
                            });
                        }
                    });
            Channel channel = bootstrap.connect(args[0], Integer.parseInt(args[1])).sync().channel();
            System.out.println("REMOTE " + channel.remoteAddress());
            if (!MESSAGE.equals(echoed.get(10, TimeUnit.SECONDS))) {
                throw new IllegalStateException("echo mismatch: " + received);
            }
            System.out.println("ECHO ok");
            channel.close().sync();
            System.out.println("OK");
        } catch (Exception e) {
            System.out.println("FAILED " + e.getClass().getName() + " " + e.getMessage());
            System.exit(3);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
