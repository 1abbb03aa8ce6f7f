package io.socksify.it.apps.pulsar;

import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.shade.io.netty.channel.epoll.Epoll;

import java.util.concurrent.TimeUnit;

/**
 * The Apache Pulsar client (its relocated Netty has native epoll and io_uring libraries) trying to create a producer
 * on {@code pulsar://<host>:<port>}, where no real broker listens: only where its connections arrive matters.
 * Prints {@code EPOLL_AVAILABLE}, {@code EPOLL_CAUSE} of the relocated copy, then {@code FAILED <exception>} (the
 * expected end: exit 3) or {@code OK}.
 */
public final class PulsarConnectApp {
    private PulsarConnectApp() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("EPOLL_AVAILABLE " + Epoll.isAvailable());
        Throwable cause = Epoll.unavailabilityCause();
        System.out.println("EPOLL_CAUSE " + (cause == null ? "null" : cause.getMessage()));
        System.out.flush();
        try (PulsarClient client = PulsarClient.builder().serviceUrl("pulsar://" + args[0] + ":" + args[1])
                .connectionTimeout(3, TimeUnit.SECONDS).operationTimeout(6, TimeUnit.SECONDS).build()) {
            client.newProducer().topic("socksify-it").createAsync().get(15, TimeUnit.SECONDS);
            System.out.println("OK");
        } catch (Exception e) {
            System.out.println("FAILED " + e.toString().replace('\n', ' '));
            System.out.flush();
            System.exit(3);
        }
    }
}
