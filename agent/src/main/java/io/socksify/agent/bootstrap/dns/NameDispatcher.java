package io.socksify.agent.bootstrap.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The entry points the prologues in the JDK's built-in name services and in {@code sun.nio.ch} call for
 * {@code dns=remote} (see the hook table, {@code instrument/Hooks.names()}). Boot-loaded, JDK types only, no logic
 * of its own but the table: the installed policy says which names the proxy resolves; those get a placeholder address from
 * {@link SyntheticAddresses}, which every routed connect turns back into the name for the proxy.
 *
 * <p>A placeholder must never be connected directly (it is unroutable, and the name it stands for was never looked
 * up here): the last checks before the JDK's own {@code connect0} and {@code send0} refuse it, whoever decided the
 * connection goes direct (routing off, {@code udp=direct}, {@code Proxy.NO_PROXY}).
 */
public final class NameDispatcher {
    // Null: every name resolves as it would without socksify (dns=local, routing off, not installed).
    private static volatile Predicate<String> remote;

    private NameDispatcher() {
    }

    /** @param policy which names the proxy resolves, or null to resolve every name as usual */
    public static void install(Predicate<String> policy) {
        remote = policy;
    }

    /** JDK 17's {@code NameService.lookupAllHostAddr(String)}: null lets the JDK look the name up. */
    public static InetAddress[] lookup(String host) throws UnknownHostException {
        InetAddress a = placeholder(host, false);
        return a == null ? null : new InetAddress[] {a};
    }

    /**
     * JDK 18+'s {@code InetAddressResolver.lookupByName(String, LookupPolicy)}: null lets the JDK look the name up.
     *
     * @param characteristics {@code LookupPolicy.characteristics()}: IPv6 alone (no IPv4 bit) gets an IPv6 placeholder
     */
    public static Stream<InetAddress> lookup(String host, int characteristics) throws UnknownHostException {
        boolean ipv6Only = (characteristics & 1) == 0 && (characteristics & 2) != 0;
        InetAddress a = placeholder(host, ipv6Only);
        return a == null ? null : Stream.of(a);
    }

    private static InetAddress placeholder(String host, boolean ipv6) throws UnknownHostException {
        Predicate<String> policy = remote;
        if (policy == null || host == null) {
            return null;
        }
        try {
            return policy.test(host) ? SyntheticAddresses.SHARED.addressFor(host, ipv6) : null;
        } catch (RuntimeException | LinkageError e) {
            // Falling through would send the name to the local resolver: the lookup fails instead (a name given to
            // a socket still reaches the proxy unresolved).
            UnknownHostException failure = new UnknownHostException("socksify: internal error while looking up "
                    + host + " for the proxy (it was not looked up here): " + e);
            failure.initCause(e);
            throw failure;
        }
    }

    /**
     * Reverse lookups ({@code getHostName()} of an address without a name, {@code getCanonicalHostName()}): a
     * placeholder answers its name, without a query.
     *
     * @return null to let the JDK look the address up
     * @throws UnknownHostException for a placeholder of no name (no reverse query leaves for it either)
     */
    public static String reverse(byte[] address) throws UnknownHostException {
        if (address == null || SyntheticAddresses.index(address) < 0) {
            return null;
        }
        String name = SyntheticAddresses.SHARED.nameOf(address);
        if (name == null) {
            if (remote == null) {
                return null;
            }
            throw new UnknownHostException("socksify: no name is mapped to this placeholder address");
        }
        return name;
    }

    /** Called before every direct TCP connect and UDP {@code connect} ({@code sun.nio.ch.Net.connect}). */
    public static void checkDirect(InetAddress address) throws IOException {
        if (address != null && SyntheticAddresses.inRange(address)) {
            refuse(address);
        }
    }

    /** Called before every datagram sent directly ({@code DatagramChannelImpl.send(FileDescriptor, ...)}). */
    public static void checkDirect(InetSocketAddress target) throws IOException {
        if (target != null) {
            checkDirect(target.getAddress());
        }
    }

    private static void refuse(InetAddress address) throws NoRouteToHostException {
        String name = nameOf(address);
        if (name == null) {
            return; // an address of the range that socksify never handed out: a real one, the user's business
        }
        throw new NoRouteToHostException("socksify: " + name + " was resolved by the proxy (dns=remote), so it"
                + " cannot be reached directly: " + address.getHostAddress() + " only stands for the name"
                + " (routing off, udp=direct, a bypass rule or Proxy.NO_PROXY asked for a direct connection);"
                + " nothing was sent");
    }

    /**
     * @return the name a mapped placeholder stands for: the name the address object carries (what the application
     *         looked up, even if the table has moved on since), else the table's; null when it is no mapped
     *         placeholder
     */
    public static String nameOf(InetAddress address) {
        String mapped = SyntheticAddresses.SHARED.nameOf(address);
        if (mapped == null) {
            return null;
        }
        // toString() is "name/literal" or "/literal", and never looks anything up.
        String s = address.toString();
        int slash = s.indexOf('/');
        return slash > 0 ? s.substring(0, slash) : mapped;
    }
}
