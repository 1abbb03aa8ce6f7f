package io.socksify.it.peers;

/** Run in a child JVM by {@link SupportIT}: prints a marker on both streams and exits with status 7. */
public final class FailingMain {

    private FailingMain() {
    }

    public static void main(String[] args) {
        System.out.println("failing-main stdout marker");
        System.err.println("failing-main stderr marker");
        System.exit(7);
    }
}
