package io.socksify.it.peers;

import java.net.InetAddress;

/** Run in a child JVM by {@link SupportIT}: prints {@code <name> -> <address>} or the exception, per argument. */
public final class ResolveMain {

    private ResolveMain() {
    }

    public static void main(String[] args) {
        for (String name : args) {
            try {
                System.out.println(name + " -> " + InetAddress.getByName(name).getHostAddress());
            } catch (Exception e) {
                System.out.println(name + " -> " + e.getClass().getName() + ": " + e.getMessage());
            }
        }
    }
}
