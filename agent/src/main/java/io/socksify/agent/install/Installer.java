package io.socksify.agent.install;

import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.ConfigException;
import io.socksify.agent.instrument.SocketChannelTransformer;
import io.socksify.agent.instrument.SocksSocketImplTransformer;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.SocketRouting;
import io.socksify.agent.route.nio.ChannelRouting;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.SocksVersion;
import org.slf4j.Logger;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.lang.invoke.MethodHandles;
import java.net.SocketImpl;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;


/**
 * Installs socksify. Loaded by the boot loader (so are all agent classes: {@code AgentMain} put the jar on the
 * bootstrap search path), called once from {@code premain} or {@code agentmain}.
 */
public final class Installer {
    private static boolean installed;
    private static SocksServer embeddedServer;

    private Installer() {
    }

    /**
     * @param premain whether the JVM is starting (a bad configuration then stops it) rather than attached to
     * @throws IllegalStateException for {@code agentmain}, when socksify cannot route (the attacher reports it)
     */
    public static synchronized void install(String agentArgs, Instrumentation instrumentation, String jarPath,
            boolean premain) {
        if (installed) {
            return;
        }
        long start = System.nanoTime();
        AgentConfig config;
        try {
            config = AgentConfig.parse(agentArgs, System.getProperties());
        } catch (ConfigException e) {
            stop(e.getMessage(), premain);
            return;
        }
        Log.configure(config.logLevel());
        try (JarFile jar = new JarFile(jarPath)) {
            takeOverJdkSocksProperties();
            openJavaBase(instrumentation);
            if (config.embedded()) {
                config = config.withProxy(startEmbeddedServer());
            }
            Router router = new Router(config);
            Dispatcher.install(new SocketRouting(router,
                    MethodHandles.privateLookupIn(SocketImpl.class, MethodHandles.lookup())));
            instrument(instrumentation);
            ChannelRouting.install(router, embeddedServer == null ? null
                    : "socksify-server-" + embeddedServer.address().getPort() + "-");
            SocketChannelTransformer.install(instrumentation);
            installed = true;
            Logger log = Log.get("socksify");
            log.info("socksify {} routing through {}{} (dns={}, udp={}, bypass={})", version(jar),
                    config.embedded() ? "the embedded server " : "", config.proxy(),
                    lower(config.dns()), lower(config.udp()), config.bypass());
            log.debug("installed in {} ms", (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | ReflectiveOperationException | UnmodifiableClassException | RuntimeException
                | LinkageError e) {
            Dispatcher.install(null);
            stop("socksify: cannot install the agent, so nothing may run unrouted: " + e, premain);
        }
    }

    /**
     * {@code proxy=embedded}: socksify's own SOCKS5 server on a loopback port of this JVM (127.0.0.1 only, so it is
     * no relay for anyone else), stopped with the JVM. Its outgoing connections are NIO channels, which this agent
     * does not route (the NIO path must exempt them, or it would route the server through itself).
     */
    private static SocksProxy startEmbeddedServer() throws IOException {
        embeddedServer = SocksServer.builder().port(0).start();
        return SocksProxy.of(SocksVersion.SOCKS5, embeddedServer.address());
    }

    /**
     * The JDK's own SOCKS support reads {@code socksProxyHost} on every connection through its default
     * {@code ProxySelector}; left set, it would hand {@code HttpURLConnection} an explicit SOCKS proxy (bypassing
     * socksify's rules and credentials) and do SOCKS a second time for destinations socksify bypasses. socksify has
     * read it into its configuration, so it removes it: every connection is socksify's to route.
     */
    private static void takeOverJdkSocksProperties() {
        System.clearProperty(AgentConfig.JDK_HOST);
    }

    /**
     * Advice inlined into {@code java.base} calls the dispatcher in the boot loader's unnamed module, which
     * {@code java.base} does not read by default; and the dispatcher calls {@code SocketImpl}'s protected methods
     * (and, for channels, {@code sun.nio.ch}), which needs those packages open to it.
     */
    private static void openJavaBase(Instrumentation instrumentation) {
        Module javaBase = Object.class.getModule();
        Module agent = Installer.class.getModule();
        instrumentation.redefineModule(javaBase, Set.of(agent), Map.of(),
                Map.of("java.net", Set.of(agent), "sun.nio.ch", Set.of(agent)), Set.of(), Map.of());
    }

    /**
     * Instruments {@code SocksSocketImpl} and checks the result: a JVM whose sockets are not instrumented must not
     * run unrouted. The class is loaded (no static state worth deferring) and retransformed now, so the check
     * happens during installation; the transformer stays registered for retransformations by other agents.
     */
    private static void instrument(Instrumentation instrumentation) throws ReflectiveOperationException,
            UnmodifiableClassException {
        SocksSocketImplTransformer.checkTargetShape();
        Class<?>[] targets = SocksSocketImplTransformer.targets();
        SocksSocketImplTransformer transformer = new SocksSocketImplTransformer();
        instrumentation.addTransformer(transformer, true);
        instrumentation.retransformClasses(targets);
        if (!transformer.transformed()) {
            throw new IllegalStateException("java.net.Socket's classes were not instrumented"
                    + (transformer.error() == null ? "" : ": " + transformer.error()));
        }
    }

    private static String version(JarFile jar) throws IOException {
        String v = jar.getManifest() == null ? null
                : jar.getManifest().getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
        return v == null ? "dev" : v;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Prints one line and, while the JVM starts, halts it: an agent that cannot route must not let it run. */
    private static void stop(String line, boolean premain) {
        System.err.println(line);
        System.err.flush();
        if (premain) {
            Runtime.getRuntime().halt(1);
        }
        throw new IllegalStateException(line);
    }
}
