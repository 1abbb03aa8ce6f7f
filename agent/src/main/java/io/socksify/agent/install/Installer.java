package io.socksify.agent.install;

import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.AgentJar;
import io.socksify.agent.bootstrap.Dispatcher;
import io.socksify.agent.bootstrap.ServerThreads;
import io.socksify.agent.cli.AttachStatus;
import io.socksify.agent.config.AgentConfig;
import io.socksify.agent.config.ConfigException;
import io.socksify.agent.instrument.Hook;
import io.socksify.agent.instrument.Hooks;
import io.socksify.agent.instrument.NettyNativeTransformer;
import io.socksify.agent.jmx.AgentMBean;
import io.socksify.agent.jmx.PlatformMBeanServerHook;
import io.socksify.agent.route.JavaBaseAccess;
import io.socksify.agent.route.Router;
import io.socksify.agent.route.Routing;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.server.SocksServer;
import io.socksify.protocol.wire.SocksVersion;
import org.slf4j.Logger;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;


/**
 * Installs socksify. Loaded by the boot loader (so are all agent classes: {@code AgentMain} put the jar on the
 * bootstrap search path), called from {@code premain} or {@code agentmain}: once to install, then again by each
 * re-attach. A static flag of this boot-loaded class knows it is installed: however often the agent jar is loaded,
 * there is one set of transformations; the active configuration is what the dispatchers' connectors hold.
 */
public final class Installer {
    private static boolean installed;
    private static SocksServer embeddedServer;
    private static AgentConfig active;
    private static String version;

    private Installer() {
    }

    /**
     * Installs socksify, or, when it is installed already (a second attach), reconfigures it or switches it on or
     * off; a second set of transformations is never added. The agent option {@code attachStatus} is the attacher's
     * (see {@link AttachStatus}).
     *
     * @param jarPath the agent jar's path when {@code AgentMain} had to look it up, else null ({@link AgentJar} finds
     *                it when needed)
     * @param premain whether the JVM is starting (a bad configuration then stops it) rather than attached to
     * @throws IllegalStateException for {@code agentmain}, when socksify cannot route and no status file takes the
     *                               reason (the attacher reports the failure)
     */
    public static synchronized void install(String agentArgs, Instrumentation instrumentation, String jarPath,
            boolean premain) {
        AttachStatus status = AttachStatus.parse(agentArgs);
        try {
            if (installed) {
                status.ok(reconfigure(status.options()));
            } else {
                installFirst(status.options(), instrumentation, jarPath, premain);
                status.ok(describe(active));
            }
        } catch (IllegalStateException e) {
            if (!premain && status.error(e.getMessage())) {
                // The attacher reports the reason; returning spares the target the JDK's stack trace and assertion
                // messages for a failed agentmain. jcmd, with no status file, still gets the failure.
                return;
            }
            throw e;
        }
    }

    private static void installFirst(String agentArgs, Instrumentation instrumentation, String jarPath,
            boolean premain) {
        long start = System.nanoTime();
        if (agentArgs != null && (agentArgs.trim().equals("off") || agentArgs.trim().equals("on"))) {
            stop("socksify: not attached to this JVM, so there is nothing to switch " + agentArgs.trim()
                    + " (attach with proxy=... first)", premain);
        }
        if (jarPath != null) {
            AgentJar.known(jarPath);
        }
        // All or nothing: a failure takes back every transformer and connector, so a later attach starts afresh.
        TrackedInstrumentation tracked = new TrackedInstrumentation(instrumentation);
        Transport[] transports = null;
        AgentConfig config = null;
        long parsed = start;
        long routed = start;
        try {
            int feature = Runtime.version().feature();
            // The binary names of the hooked classes the JVM has loaded, filled below.
            Set<String> loaded = new HashSet<>();
            transports = transports(loaded);
            Hook[] rows = new Hook[0];
            for (Transport transport : transports) {
                rows = Hooks.concat(rows, Hooks.forJdk(transport.hooks(), feature));
            }
            if (premain && PlatformMBeanServerHook.prepare()) {
                // Registering now would create the platform MBean server (about 200 ms): wait until the JVM does.
                rows = Hooks.concat(rows, new Hook[] {PlatformMBeanServerHook.ROW});
            }
            // The transformer goes in first: a hooked class that the configuration, the routing (or the embedded
            // server) loads is rewritten as it loads, cheaper than loading it and retransforming it afterwards. Its
            // prologues let everything pass until the transport's connector is committed; no application code runs
            // before premain returns.
            HookTransformer transformer = HookLifecycle.register(tracked, rows);
            config = AgentConfig.parse(agentArgs, System.getProperties());
            Log.configure(config.logLevel());
            parsed = System.nanoTime();
            takeOverJdkSocksProperties();
            // java.net and sun.nio.ch are opened to the agent on the first reflective use (a few ms of the start
            // saved when no connection is made); an attach, which reaches loaded classes at once, opens them now.
            JavaBaseAccess.configure(instrumentation);
            if (!premain) {
                JavaBaseAccess.open();
            }
            // While the JVM starts, only what it has loaded already is checked and retransformed now; the rest is
            // hooked as it loads (HookLifecycle). An attach loads every hooked class now.
            for (Hook row : rows) {
                loaded.add(row.owner().replace('/', '.'));
            }
            List<Class<?>> loadedHooked = null;
            if (premain) {
                loadedHooked = HookLifecycle.loadedHooked(tracked, transformer);
                loaded.clear();
                for (Class<?> c : loadedHooked) {
                    loaded.add(c.getName());
                }
            }
            for (Transport transport : transports) {
                transport.checkJdk();
            }
            HookLifecycle.Started hooks = HookLifecycle.start(tracked, transformer, premain, loadedHooked);
            if (config.embedded()) {
                config = config.withProxy(startEmbeddedServer());
            }
            activate(transports, new Router(config));
            routed = System.nanoTime();
            hooks.verify();
            // Netty's classes are the application's, recognised by name under any relocation prefix as they load.
            NettyNativeTransformer.install(tracked, !premain);
            installed = true;
            active = config;
            version = version();
            AgentMBean.configured(config, version, premain);
            if (!premain) {
                AgentMBean.registerNow();
            }
            Log.info("socksify", "socksify " + version + " " + describe(config));
            long end = System.nanoTime();
            if (Log.debugEnabled()) {
                Log.get("socksify").debug("installed in {} ms (configuration {} ms, hooks and routing {} ms, the rest"
                        + " {} ms)", (end - start) / 1_000_000, (parsed - start) / 1_000_000,
                        (routed - parsed) / 1_000_000, (end - routed) / 1_000_000);
            }
        } catch (ConfigException e) {
            // A bad configuration (the transformer is in already): the message names the option and what is expected.
            rollBack(tracked, transports);
            stop(e.getMessage(), premain);
        } catch (IOException | ReflectiveOperationException | UnmodifiableClassException | RuntimeException
                | LinkageError e) {
            rollBack(tracked, transports);
            stop("socksify: cannot install the agent, so nothing may run unrouted: " + e, premain);
        }
    }

    private static void rollBack(TrackedInstrumentation tracked, Transport[] transports) {
        installed = false;
        active = null;
        tracked.removeAdded();
        if (transports != null) {
            for (Transport transport : transports) {
                transport.clear();
            }
        }
        Routing.publish(null);
        if (embeddedServer != null) {
            embeddedServer.close();
            embeddedServer = null;
        }
    }

    /**
     * The transports, in the order their routing is switched on.
     *
     * @param loaded the binary names of the hooked classes the JVM has loaded (for an attach all: they are loaded
     *               now), or an empty set the caller fills before {@link Transport#checkJdk}
     */
    private static Transport[] transports(Set<String> loaded) {
        return new Transport[] {new SocketTransport(loaded), new ChannelTransport(), new DatagramTransport(loaded),
            new NameTransport(), new NettyTransport(), new ChildTransport(), new GuardTransport()};
    }

    /**
     * A second attach: {@code off} and {@code on} switch routing of new connections; anything else is a new
     * configuration, which replaces the active one without instrumenting anything again. A bad configuration
     * changes nothing. Connections already open keep going where they go.
     *
     * @return the confirmation for the attacher
     */
    private static String reconfigure(String agentArgs) {
        Logger log = Log.get("socksify");
        String args = agentArgs == null ? "" : agentArgs.trim();
        if (args.equals("off") || args.equals("on")) {
            Dispatcher.routing(args.equals("on"));
            String line = args.equals("on") ? "routing on: " + describe(active)
                    : "routing off: new connections go direct";
            log.info("socksify {}", line);
            return line;
        }
        AgentConfig config;
        try {
            config = AgentConfig.parse(agentArgs, System.getProperties());
        } catch (ConfigException e) {
            stop(e.getMessage() + " (the active configuration is unchanged)", false);
            return null;
        }
        try {
            if (config.embedded()) {
                // One embedded server per JVM: a re-attach with proxy=embedded routes through the running one.
                config = config.withProxy(embeddedServer != null
                        ? SocksProxy.of(SocksVersion.SOCKS5, embeddedServer.address()) : startEmbeddedServer());
            }
            Set<String> all = new HashSet<>();
            for (Hook row : Hooks.all()) {
                all.add(row.owner().replace('/', '.'));
            }
            activate(transports(all), new Router(config, Routing.current()));
        } catch (IOException | ReflectiveOperationException | RuntimeException | LinkageError e) {
            // Nothing was switched: activate checks every transport before the one switch.
            stop("socksify: cannot reconfigure, the active configuration is unchanged: " + e, false);
        }
        active = config;
        Dispatcher.routing(true);
        AgentMBean.configured(config, version, false);
        String line = describe(config);
        log.info("socksify reconfigured: {}", line);
        return line;
    }

    /**
     * Hands a routing state to every transport. Runs at installation and at each re-attach, while connections are
     * being made. First every transport checks and prepares (anything that can fail: a JDK whose UDP cannot route,
     * the method handles, the dispatchers' objects); then comes the one switch, {@link Routing#publish}, which every
     * transport reads once per connection; then the commits, which cannot fail. A failure before the switch leaves
     * every transport on the old state.
     */
    private static void activate(Transport[] transports, Router router) throws ReflectiveOperationException {
        Transport.Commit[] commits = new Transport.Commit[transports.length];
        for (int i = 0; i < transports.length; i++) {
            commits[i] = transports[i].prepare(router);
        }
        Routing.publish(router);
        for (Transport.Commit commit : commits) {
            commit.commit();
        }
    }

    private static String describe(AgentConfig config) {
        return "routing through " + (config.embedded() ? "the embedded server " : "") + config.via()
                + (config.routes().isEmpty() ? "" : " with " + config.routes().size() + " routes rules") + " (dns="
                + lower(config.dns()) + ", udp=" + lower(config.udp()) + ", bypass=" + config.bypass() + ")";
    }

    /**
     * {@code proxy=embedded}: socksify's own SOCKS5 server on a loopback port of this JVM (127.0.0.1 only, so it is
     * no relay for anyone else), stopped with the JVM. Its outgoing connections are NIO channels, which this agent
     * does not route (the NIO path must exempt them, or it would route the server through itself).
     */
    private static SocksProxy startEmbeddedServer() throws IOException {
        embeddedServer = SocksServer.builder().port(0).threadFactory(new ServerThreads()).start();
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

    /** The build's version (the jar manifest's {@code Implementation-Version}), without opening the jar. */
    private static String version() {
        return io.socksify.agent.Version.VERSION;
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
