package io.socksify.it.apps;

/** The smallest application: prints one line. Measures what the agent adds to a JVM's start. */
public final class HelloApp {
    private HelloApp() {
    }

    public static void main(String[] args) {
        System.out.println("hello");
    }
}
