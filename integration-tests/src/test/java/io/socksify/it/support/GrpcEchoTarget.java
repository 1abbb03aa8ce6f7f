package io.socksify.it.support;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.socksify.it.apps.grpc.GrpcEcho;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server ({@code grpc-netty-shaded}, in the test JVM, which has no agent) on 127.0.0.1 serving
 * {@link GrpcEcho#ECHO}. It records the source of every connection (transport) and answers calls only from the
 * accepted source; others get {@code PERMISSION_DENIED}.
 */
public final class GrpcEchoTarget extends RecordingTarget {
    private final Server server;

    private GrpcEchoTarget(InetAddress acceptedSource) {
        super(acceptedSource);
        ServerServiceDefinition echo = ServerServiceDefinition.builder(GrpcEcho.SERVICE)
                .addMethod(GrpcEcho.ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(request);
                    response.onCompleted();
                }))
                .build();
        ServerInterceptor onlyAccepted = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                    ServerCallHandler<Q, A> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                if (acceptedSource != null && !(remote instanceof InetSocketAddress r
                        && acceptedSource.equals(r.getAddress()))) {
                    call.close(Status.PERMISSION_DENIED.withDescription("not from the proxy: " + remote),
                            new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return next.startCall(call, headers);
            }
        };
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress(Loopback.LOCALHOST, 0))
                    .addService(ServerInterceptors.intercept(echo, onlyAccepted))
                    .addTransportFilter(new ServerTransportFilter() {
                        @Override
                        public Attributes transportReady(Attributes attributes) {
                            SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                            if (remote instanceof InetSocketAddress r) {
                                admit(r);
                            }
                            return attributes;
                        }
                    })
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server answering only calls from {@code source}. */
    public static GrpcEchoTarget acceptingOnly(InetAddress source) {
        return new GrpcEchoTarget(source);
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getListenSockets().get(0);
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
