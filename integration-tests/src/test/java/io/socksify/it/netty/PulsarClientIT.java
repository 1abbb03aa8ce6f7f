package io.socksify.it.netty;

import io.socksify.it.apps.pulsar.PulsarConnectApp;

/** The Apache Pulsar client ({@code org.apache.pulsar.shade.io.netty}): see {@link ShadedNettyClientIT}. */
class PulsarClientIT extends ShadedNettyClientIT {
    PulsarClientIT() {
        super(PulsarConnectApp.class, "org.apache.pulsar.shade.io.netty.channel.epoll.Epoll");
    }
}
