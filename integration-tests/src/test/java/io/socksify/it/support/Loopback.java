package io.socksify.it.support;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Loopback addresses the tests use. All of 127.0.0.0/8 is local on Linux, with nothing to configure: a proxy
 * told to send from {@link #PROXY_EXTERNAL} (127.0.0.2) makes every relayed connection arrive from there, so a
 * target that accepts only 127.0.0.2 proves that traffic went through the proxy, and one from 127.0.0.1 that it
 * did not.
 */
public final class Loopback {

    /** 127.0.0.1: where clients, proxies and targets listen, and where direct connections come from. */
    public static final InetAddress LOCALHOST = address("127.0.0.1");
    /** 127.0.0.2: the address proxies send from on a client's behalf. */
    public static final InetAddress PROXY_EXTERNAL = address("127.0.0.2");

    private Loopback() {
    }

    /** Parses an IP literal (never a lookup). */
    public static InetAddress address(String ipLiteral) {
        if (!ipLiteral.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.%a-zA-Z]*")) {
            throw new IllegalArgumentException("not an IP literal: " + ipLiteral);
        }
        try {
            return InetAddress.getByName(ipLiteral);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: " + ipLiteral, e);
        }
    }
}
