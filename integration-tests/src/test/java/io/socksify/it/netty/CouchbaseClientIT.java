package io.socksify.it.netty;

import io.socksify.it.apps.couchbase.CouchbaseConnectApp;

/** The Couchbase Java SDK ({@code com.couchbase.client.core.deps.io.netty}): see {@link ShadedNettyClientIT}. */
class CouchbaseClientIT extends ShadedNettyClientIT {
    CouchbaseClientIT() {
        super(CouchbaseConnectApp.class, "com.couchbase.client.core.deps.io.netty.channel.epoll.Epoll");
    }
}
