package io.socksify.it.peers;

import java.util.Map;
import java.util.TreeMap;

/** Run in a child JVM by {@link SupportIT}: prints the environment variables named in {@code args} as name=value. */
public final class EnvMain {

    private EnvMain() {
    }

    public static void main(String[] args) {
        Map<String, String> shown = new TreeMap<>();
        for (String name : args) {
            shown.put(name, System.getenv(name));
        }
        System.out.println(shown);
    }
}
