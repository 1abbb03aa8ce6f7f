package io.socksify.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS echo server on loopback with a self-signed certificate made at test time by the current JDK's
 * {@code keytool} (once per test JVM). Like {@link TcpEchoTarget} it serves one source address only and records
 * every connection's source; a rejected connection is closed before the TLS handshake.
 *
 * <p>The certificate is for {@code CN=localhost} with subject alternative names {@code localhost},
 * {@link Hostnames#PROXY_ONLY}, {@code 127.0.0.1} and {@code 127.0.0.2}. In the test JVM use {@link #clientContext()};
 * a child JVM trusts it with
 * {@code -Djavax.net.ssl.trustStore=}{@link #trustStore()} and
 * {@code -Djavax.net.ssl.trustStorePassword=}{@link #STORE_PASSWORD}.
 */
public final class TlsEchoTarget extends StreamEchoTarget {

    /** Password of both the key store and the trust store. */
    public static final String STORE_PASSWORD = "socksify";
    private static final String ALIAS = "target";

    private TlsEchoTarget(SSLServerSocket serverSocket, InetAddress acceptedSource) {
        super(serverSocket, acceptedSource);
    }

    /** On 127.0.0.1, any port, serving only connections from {@code source}. */
    public static TlsEchoTarget acceptingOnly(InetAddress source) {
        return start(Loopback.LOCALHOST, source);
    }

    /** On 127.0.0.1, any port, serving every source (still recording them). */
    public static TlsEchoTarget acceptingAny() {
        return start(Loopback.LOCALHOST, null);
    }

    /**
     * On {@code bindAddress}, any port.
     *
     * @param acceptedSource the only source served, or {@code null} for any
     */
    public static TlsEchoTarget start(InetAddress bindAddress, InetAddress acceptedSource) {
        try {
            SSLServerSocket serverSocket = (SSLServerSocket) Keys.INSTANCE.serverContext.getServerSocketFactory()
                    .createServerSocket();
            serverSocket.bind(new InetSocketAddress(bindAddress, 0), 50);
            return new TlsEchoTarget(serverSocket, acceptedSource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindAddress.getHostAddress(), e);
        }
    }

    /** The server side of the key material, for other TLS targets ({@link HttpTarget#tlsAcceptingOnly}). */
    static SSLContext serverContext() {
        return Keys.INSTANCE.serverContext;
    }

    /** An {@link SSLContext} that trusts this target's certificate (and nothing else). */
    public static SSLContext clientContext() {
        return Keys.INSTANCE.clientContext;
    }

    /** A PKCS12 trust store holding only this target's certificate, for child JVMs. */
    public static Path trustStore() {
        return Keys.INSTANCE.trustStore;
    }

    /** {@code -Djavax.net.ssl.trustStore=... -Djavax.net.ssl.trustStorePassword=...} for a child JVM. */
    public static String[] trustStoreJvmArgs() {
        return new String[] {"-Djavax.net.ssl.trustStore=" + trustStore(),
                "-Djavax.net.ssl.trustStorePassword=" + STORE_PASSWORD, "-Djavax.net.ssl.trustStoreType=PKCS12"};
    }

    @Override
    void prepare(Socket socket) throws IOException {
        SSLSocket ssl = (SSLSocket) socket;
        ssl.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
        ssl.startHandshake();
        ssl.setSoTimeout(0);
    }

    /** Generated once per test JVM, on first use, and deleted when the JVM exits. */
    private static final class Keys {
        static final Keys INSTANCE = new Keys();

        final SSLContext serverContext;
        final SSLContext clientContext;
        final Path trustStore;

        private Keys() {
            try {
                Path dir = Files.createTempDirectory("socksify-tls-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(dir)));
                Path keyStore = dir.resolve("target-key.p12");
                Path keytool = Jdks.current().resolve("bin").resolve("keytool");
                ExternalProcess.run(Duration.ofSeconds(60), keytool.toString(), "-genkeypair", "-alias", ALIAS,
                        "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                        "-dname", "CN=localhost",
                        "-ext", "SAN=dns:localhost,dns:" + Hostnames.PROXY_ONLY + ",ip:127.0.0.1,ip:127.0.0.2",
                        "-validity", "7", "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                        "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD, "-noprompt")
                        .assertExitCode(0);

                KeyStore keys = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(keyStore)) {
                    keys.load(in, STORE_PASSWORD.toCharArray());
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, STORE_PASSWORD.toCharArray());
                serverContext = SSLContext.getInstance("TLS");
                serverContext.init(kmf.getKeyManagers(), null, null);

                Certificate certificate = keys.getCertificate(ALIAS);
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry(ALIAS, certificate);
                trustStore = dir.resolve("target-trust.p12");
                try (OutputStream out = Files.newOutputStream(trustStore)) {
                    trust.store(out, STORE_PASSWORD.toCharArray());
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                clientContext = SSLContext.getInstance("TLS");
                clientContext.init(null, tmf.getTrustManagers(), null);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the TLS target's key material", e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot create the TLS target's key material", e);
            }
        }

        private static void deleteRecursively(Path dir) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // Best effort at JVM exit.
            }
        }
    }
}
