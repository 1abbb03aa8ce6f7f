package io.socksify.protocol.server;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Everything a {@link SocksServer.Builder} configured, immutable, and the policy decisions made from it (who may
 * connect, authenticate, and go where): the one object the server, its sessions, handshakes, authentication methods
 * and UDP relays read their settings from.
 */
final class ServerConfig {
    final InetAddress bindAddress;
    final int port;
    final Map<String, byte[]> users;
    final List<AccessRule> clientRules;
    final List<AccessRule> destinationRules;
    final List<String> principalRules;
    final InetAddress outgoingAddress;
    final long handshakeTimeoutNanos;
    final long connectTimeoutNanos;
    final long replyDelayNanos;
    final int maxConnections;
    final int bufferSize;
    final int selectorThreads;
    final boolean openRelay;
    final int recordLimit;
    final Consumer<SessionRecord> listener;
    final long idleTimeoutNanos;
    final int maxConnectionsPerClient;
    final Lookups.Resolver lookupResolver;
    final IntFunction<ByteBuffer> bufferAllocator;
    final ThreadFactory threadFactory;
    /** The GSS-API acceptor (RFC 1961), or null if the method is not offered. */
    final GssapiAcceptor gssapi;

    ServerConfig(SocksServer.Builder b) {
        this.bindAddress = b.bindAddress;
        this.port = b.port;
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(b.users));
        this.clientRules = List.copyOf(b.clientRules);
        this.destinationRules = List.copyOf(b.destinationRules);
        this.principalRules = List.copyOf(b.principalRules);
        this.outgoingAddress = b.outgoingAddress;
        this.handshakeTimeoutNanos = b.handshakeTimeout.toNanos();
        this.connectTimeoutNanos = b.connectTimeout.toNanos();
        this.replyDelayNanos = b.replyDelay.toNanos();
        this.maxConnections = b.maxConnections;
        this.bufferSize = b.bufferSize;
        this.selectorThreads = b.selectorThreads;
        this.openRelay = b.openRelay;
        this.recordLimit = b.recordLimit;
        this.listener = b.listener;
        this.idleTimeoutNanos = b.idleTimeout == null ? 0 : b.idleTimeout.toNanos();
        this.maxConnectionsPerClient = b.maxConnectionsPerClient;
        this.lookupResolver = b.lookupResolver;
        this.bufferAllocator = b.bufferAllocator;
        this.threadFactory = b.threadFactory;
        this.gssapi = b.gssapi;
    }

    /** @return whether every SOCKS5 client must authenticate (users or GSS-API configured); SOCKS4 is then refused */
    boolean requiresAuthentication() {
        return !users.isEmpty() || gssapi != null;
    }

    /** @return whether user {@code name} exists with {@code password}, in time independent of the password */
    boolean authenticate(String name, String password) {
        byte[] expected = users.get(name);
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        if (expected == null) {
            MessageDigest.isEqual(given, given);
            return false;
        }
        return MessageDigest.isEqual(expected, given);
    }

    boolean clientAllowed(InetAddress client) {
        return allowedBy(clientRules, r -> r.matches(client));
    }

    /** @return whether a host name is allowed by a host rule (no lookup) */
    boolean hostAllowed(String name) {
        return allowedBy(destinationRules, r -> r.matchesHost(name));
    }

    boolean addressAllowed(InetAddress ip) {
        return allowedBy(destinationRules, r -> r.matches(ip));
    }

    /**
     * @return whether a GSS-API principal may use the server: true without principal rules, else whether one names
     *         it exactly ({@code alice@REALM}) or by realm ({@code *@REALM}), or is {@code *}
     */
    boolean principalAllowed(String principal) {
        if (principalRules.isEmpty()) {
            return true;
        }
        for (String rule : principalRules) {
            if (rule.equals("*") || rule.equals(principal)
                    || (rule.startsWith("*@") && principal.endsWith(rule.substring(1)))) {
                return true;
            }
        }
        return false;
    }

    /** @return true if there are no rules (everything allowed), else whether one of them matches */
    private static boolean allowedBy(List<AccessRule> rules, Predicate<AccessRule> matches) {
        if (rules.isEmpty()) {
            return true;
        }
        for (AccessRule r : rules) {
            if (matches.test(r)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether a name might still be allowed once resolved (some CIDR rule exists) */
    boolean hasNetworkDestinationRules() {
        for (AccessRule r : destinationRules) {
            if (r.isNetwork()) {
                return true;
            }
        }
        return false;
    }
}
