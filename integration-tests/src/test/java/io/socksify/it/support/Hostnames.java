package io.socksify.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A hostname that only the proxy can resolve, to prove that a name really travels to the proxy (SOCKS4a, SOCKS5
 * ATYP 3) instead of being looked up by the application.
 *
 * <p>{@code scripts/setup.sh} maps {@link #PROXY_ONLY} to 127.0.0.1 in {@code /etc/hosts}, so the system resolver,
 * and with it Dante and microsocks, resolves it. A child JVM started with {@link #noLookupJvmArg()} reads an empty
 * hosts file instead of asking the system ({@code jdk.net.hosts.file}), so it resolves no name but
 * {@code localhost} and IP literals: if it reaches the target by this name, the proxy resolved it.
 */
public final class Hostnames {

    /** Resolved to 127.0.0.1 by the system resolver; {@code .test} is reserved (RFC 2606), never a real name. */
    public static final String PROXY_ONLY = "socksify-target.test";

    private static final Path ETC_HOSTS = Path.of("/etc/hosts");

    private Hostnames() {
    }

    /** Fails clearly unless {@code /etc/hosts} maps {@link #PROXY_ONLY} to 127.0.0.1. */
    public static void assertProxyOnlyNameConfigured() {
        Pattern line = Pattern.compile("(?m)^127\\.0\\.0\\.1[ \\t]+([^#\\n]*[ \\t])?" + Pattern.quote(PROXY_ONLY)
                + "([ \\t#]|$)");
        String hosts;
        try {
            hosts = Files.readString(ETC_HOSTS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ETC_HOSTS, e);
        }
        if (!line.matcher(hosts).find()) {
            throw new AssertionError(ETC_HOSTS + " does not map " + PROXY_ONLY + " to 127.0.0.1; run scripts/setup.sh"
                    + " as root (it adds '127.0.0.1 " + PROXY_ONLY + "')");
        }
    }

    /**
     * {@code -Djdk.net.hosts.file=<empty file>}: the child JVM then resolves no hostname but {@code localhost}
     * (not even {@link #PROXY_ONLY}), with an {@link java.net.UnknownHostException}, and never asks DNS.
     */
    public static String noLookupJvmArg() {
        return "-Djdk.net.hosts.file=" + EmptyHostsFile.PATH;
    }

    private static final class EmptyHostsFile {
        static final Path PATH = create();

        private static Path create() {
            try {
                Path file = Files.createTempFile("socksify-empty-hosts-", "");
                file.toFile().deleteOnExit();
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create an empty hosts file", e);
            }
        }
    }
}
