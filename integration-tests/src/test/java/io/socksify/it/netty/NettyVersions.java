package io.socksify.it.netty;

import io.socksify.it.apps.netty.NativeNettyApp;
import io.socksify.it.support.Jdks;
import org.junit.jupiter.params.provider.Arguments;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The two Netty lines the native-transport ITs run: 4.2 from the test class path, 4.1 (with the incubator's
 * io_uring) from the jars the build copies to {@code target/netty-4.1}, beside the test classes.
 */
enum NettyVersions {
    NETTY_42, NETTY_41;

    /** @return the child's class path, or null for the test class path */
    List<Path> classpath() {
        if (this == NETTY_42) {
            return null;
        }
        String dir = System.getProperty("socksify.it.netty41");
        if (dir == null) {
            throw new IllegalStateException("socksify.it.netty41 is not set: run the ITs with Maven (failsafe)");
        }
        List<Path> entries = new ArrayList<>();
        try {
            entries.add(Path.of(NativeNettyApp.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
            try (Stream<Path> jars = Files.list(Path.of(dir))) {
                jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(entries::add);
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the Netty 4.1 jars in " + dir, e);
        }
        if (entries.size() < 9) {
            throw new IllegalStateException("Netty 4.1's jars are missing from " + dir + ": " + entries);
        }
        return entries;
    }

    /** Every JDK with every Netty line. */
    static Stream<Arguments> withJdks() {
        List<Arguments> all = new ArrayList<>();
        for (Path jdk : Jdks.all()) {
            for (NettyVersions v : values()) {
                all.add(Arguments.of(jdk, v));
            }
        }
        return all.stream();
    }
}
