package io.socksify.it.apps.grpc;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.stub.ClientCalls;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC-java client on {@code grpc-netty-shaded} (gRPC's default transport, with its relocated Netty and native
 * epoll library) that makes one unary call: {@code <host> <port>}. Prints {@code EPOLL_AVAILABLE} and
 * {@code EPOLL_CAUSE} of the relocated copy, {@code REPLY <text>} and {@code OK}, or {@code FAILED <status>} and
 * exits with 3.
 */
public final class GrpcUnaryApp {
    private GrpcUnaryApp() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("EPOLL_AVAILABLE " + Epoll.isAvailable());
        Throwable cause = Epoll.unavailabilityCause();
        System.out.println("EPOLL_CAUSE " + (cause == null ? "null" : cause.getMessage()));
        ManagedChannel channel = NettyChannelBuilder.forAddress(args[0], Integer.parseInt(args[1])).usePlaintext()
                .build();
        try {
            byte[] reply = ClientCalls.blockingUnaryCall(channel, GrpcEcho.ECHO,
                    CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS),
                    "hello over grpc".getBytes(StandardCharsets.UTF_8));
            System.out.println("REPLY " + new String(reply, StandardCharsets.UTF_8));
            System.out.println("OK");
        } catch (RuntimeException e) {
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(chain.length() == 0 ? "" : " <- ").append(t);
            }
            System.out.println("FAILED " + chain.toString().replace('\n', ' '));
            System.out.flush();
            System.exit(3);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
