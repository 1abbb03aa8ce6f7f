package io.socksify.it.peers;

/** Run in a child JVM by {@link SupportIT}: says so on stderr, then never exits on its own. */
public final class HangingMain {

    private HangingMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.err.println("hanging-main started");
        System.err.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
