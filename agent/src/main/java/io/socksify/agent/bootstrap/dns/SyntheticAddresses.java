package io.socksify.agent.bootstrap.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The placeholder addresses {@code dns=remote} answers name lookups with, and the name each stands for. Index
 * {@code i} (1..{@link #CAPACITY}) is {@code 198.18.0.0 + i} (RFC 2544's benchmarking range 198.18.0.0/15, never
 * routed on the Internet) and, for a lookup that wants IPv6 only, {@code 100::i} (RFC 6666's discard-only prefix
 * 100::/64).
 *
 * <p>The same name (case-insensitive, with or without a final dot) keeps its address while it is mapped. A name is evicted only once every
 * address of the range is in use (clock, second chance: a name looked up again since the hand last passed stays), so
 * an address the JDK's own cache still holds keeps its name unless 131,070 other names came after it; and the
 * {@code InetAddress} objects handed out carry their name themselves, which is what the router reads first.
 *
 * <p>Boot-loaded, JDK types only: one table per JVM, whatever the agent is re-attached with. Lookups are rare (the
 * JDK caches their answers), so one lock is enough.
 */
public final class SyntheticAddresses {
    /** Every address of 198.18.0.0/15 but the first and the last. */
    public static final int CAPACITY = (1 << 17) - 2;
    private static final int IPV4_BASE = (198 << 24) | (18 << 16);
    private static final int IPV4_MASK = 0xfffe0000;
    /** The table of this JVM. */
    public static final SyntheticAddresses SHARED = new SyntheticAddresses(CAPACITY);

    private final int capacity;
    private final Map<String, Integer> byName = new HashMap<>();
    // Index 0 unused; grown on demand up to capacity + 1, so a JVM that maps a few names holds a few slots.
    private String[] names = new String[64];
    private boolean[] referenced = new boolean[64];
    private int size;
    private int hand = 1;

    /** @param capacity how many names may be mapped at once (tests use a small one), at most {@link #CAPACITY} */
    public SyntheticAddresses(int capacity) {
        if (capacity < 1 || capacity > CAPACITY) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 1.." + CAPACITY + ")");
        }
        this.capacity = capacity;
    }

    /**
     * @param ipv6 whether the lookup wants an IPv6 address (only IPv6 was asked for)
     * @return the placeholder for {@code name}, carrying {@code name} as its host name
     */
    public InetAddress addressFor(String name, boolean ipv6) {
        int index = indexFor(name);
        try {
            return InetAddress.getByAddress(name, ipv6 ? ipv6Bytes(index) : ipv4Bytes(index));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4 or 16 byte address", e);
        }
    }

    /** @return the name a placeholder stands for, or null when {@code address} is no mapped placeholder */
    public String nameOf(InetAddress address) {
        return address == null ? null : nameOf(address.getAddress());
    }

    /** @return the name the address bytes stand for, or null when they are no mapped placeholder */
    public synchronized String nameOf(byte[] address) {
        int index = index(address);
        return index > 0 && index < names.length ? names[index] : null;
    }

    /** @return how many names are mapped */
    public synchronized int size() {
        return size;
    }

    /**
     * @return whether {@code address} is in one of the placeholder ranges (mapped or not); cheap: called on every
     *         direct connect
     */
    public static boolean inRange(InetAddress address) {
        if (address instanceof Inet4Address) {
            // Inet4Address's hash code is its address.
            return (address.hashCode() & IPV4_MASK) == IPV4_BASE;
        }
        return address instanceof Inet6Address && index(address.getAddress()) >= 0;
    }

    private synchronized int indexFor(String name) {
        String key = key(name);
        Integer known = byName.get(key);
        if (known != null) {
            referenced[known] = true;
            return known;
        }
        int index;
        if (size < capacity) {
            index = ++size;
            if (index >= names.length) {
                int length = Math.min(capacity + 1, names.length * 2);
                names = java.util.Arrays.copyOf(names, length);
                referenced = java.util.Arrays.copyOf(referenced, length);
            }
        } else {
            while (referenced[hand]) {
                referenced[hand] = false;
                hand = hand == capacity ? 1 : hand + 1;
            }
            index = hand;
            hand = hand == capacity ? 1 : hand + 1;
            byName.remove(key(names[index]));
        }
        names[index] = name;
        referenced[index] = false;
        byName.put(key, index);
        return index;
    }

    /** Names differing in case or a final dot are one name. */
    private static String key(String name) {
        String k = name.toLowerCase(Locale.ROOT);
        return k.endsWith(".") ? k.substring(0, k.length() - 1) : k;
    }

    /** @return the index the bytes encode, 0 for the range's reserved ends, -1 outside both ranges */
    static int index(byte[] a) {
        if (a.length == 4) {
            int v = ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
            if ((v & IPV4_MASK) != IPV4_BASE) {
                return -1;
            }
            int index = v & ~IPV4_MASK;
            return index > CAPACITY ? 0 : index;
        }
        if (a.length == 16) {
            // 0100:0000:0000:0000:0000:0000:iiii:iiii
            if (a[0] != 1) {
                return -1;
            }
            for (int i = 1; i < 12; i++) {
                if (a[i] != 0) {
                    return -1;
                }
            }
            long index = ((a[12] & 0xffL) << 24) | ((a[13] & 0xff) << 16) | ((a[14] & 0xff) << 8) | (a[15] & 0xff);
            return index > CAPACITY ? 0 : (int) index;
        }
        return -1;
    }

    static byte[] ipv4Bytes(int index) {
        int v = IPV4_BASE + index;
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static byte[] ipv6Bytes(int index) {
        byte[] a = new byte[16];
        a[0] = 1;
        a[12] = (byte) (index >>> 24);
        a[13] = (byte) (index >>> 16);
        a[14] = (byte) (index >>> 8);
        a[15] = (byte) index;
        return a;
    }
}
