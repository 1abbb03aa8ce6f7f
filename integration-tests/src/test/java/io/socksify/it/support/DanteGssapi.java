package io.socksify.it.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Dante 1.4.2 that requires GSS-API (RFC 1961, Kerberos): the {@code sockd} that scripts/gssapi-peers.sh
 * builds from Debian's source package (Debian's own danted has no GSS-API), run with {@link Dante}'s configuration
 * and lifecycle and a {@link Kdc}'s realm.
 *
 * <pre>{@code
 * try (Kdc kdc = Kdc.start(); Dante dante = DanteGssapi.builder(kdc, "integrity").start()) { ... }
 * }</pre>
 *
 * <p>What it does on the wire is in {@code /work/shared/gssapi-notes.md}: it answers every context token, never
 * counter-offers a level (it closes), and never sends RFC 1961's abort.
 */
public final class DanteGssapi {
    /** The Debian version scripts/gssapi-peers.sh builds; the cache directory is named by it. */
    public static final String VERSION = "1.4.2+dfsg-7";
    private static final Path CACHE = Path.of(System.getenv().getOrDefault("SOCKSIFY_GSSAPI_CACHE",
            "/var/cache/socksify"), "dante-gssapi-" + VERSION);

    private DanteGssapi() {
    }

    /** The cached GSS-API {@code sockd}; fails naming the script that builds it. */
    public static Path sockd() {
        Path sockd = CACHE.resolve("sockd");
        if (!Files.isExecutable(sockd)) {
            throw new AssertionError("no GSS-API Dante at " + sockd + "; run scripts/setup.sh (or "
                    + "scripts/gssapi-peers.sh) as root to build it from Debian's source package");
        }
        return sockd;
    }

    /** Dante's client library from the same build ({@code LD_PRELOAD} with {@code SOCKS_CONF}). */
    public static Path clientLibrary() {
        Path lib = CACHE.resolve("libdsocksd.so");
        if (!Files.isRegularFile(lib)) {
            throw new AssertionError("no " + lib + "; run scripts/setup.sh as root");
        }
        return lib;
    }

    /**
     * A Dante builder with {@code socksmethod: gssapi}, {@code kdc}'s server keytab, {@code gssapi.servicename: rcmd}
     * and the given {@code gssapi.enctype}s (none: Dante's default, integrity and confidentiality).
     */
    public static Dante.Builder builder(Kdc kdc, String... enctypes) {
        return Dante.builder().gssapi(sockd(), kdc, kdc.serverKeytab(), Kdc.SERVICE, List.of(enctypes));
    }
}
