package io.socksify.agent.config;

import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.SocksVersion;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * socksify's configuration, immutable, from the agent options ({@code key=value,key=value}), the system properties
 * {@code socksify.<key>} and, without a {@code proxy}, the JDK's own SOCKS properties, and without those the
 * environment's {@code ALL_PROXY} and {@code NO_PROXY}. Agent options win over system properties. {@link #toString()} never shows the password.
 */
public final class AgentConfig {
    public static final String PROXY = "proxy";
    public static final String BYPASS = "bypass";
    public static final String DNS = "dns";
    public static final String CONNECT_TIMEOUT = "connectTimeout";
    public static final String UDP = "udp";
    public static final String LOG_LEVEL = "log.level";
    public static final String CHILDREN = "children";
    /** Every key, in the order the README lists them. */
    public static final List<String> KEYS = List.of(PROXY, BYPASS, DNS, CONNECT_TIMEOUT, UDP, LOG_LEVEL, CHILDREN);
    /** The password for a proxy URL that names a user but none (how a child JVM gets it: see ChildSettings). */
    public static final String PASSWORD_VARIABLE = "SOCKSIFY_PROXY_PASSWORD";
    public static final String PROPERTY_PREFIX = "socksify.";

    /** The JDK's SOCKS properties, honoured when no {@code proxy} is given. */
    public static final String JDK_HOST = "socksProxyHost";
    public static final String JDK_PORT = "socksProxyPort";
    public static final String JDK_VERSION = "socksProxyVersion";
    public static final String JDK_NON_PROXY_HOSTS = "socksNonProxyHosts";
    public static final String JDK_USERNAME = "java.net.socks.username";
    public static final String JDK_PASSWORD = "java.net.socks.password";

    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 10_000;
    static final String PROXY_EXPECTED = "socks5://[user:password@]host:port, socks5h://..., socks4://[user@]host:port,"
            + " socks4a://... or embedded";
    private static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?");

    private final SocksProxy proxy;
    private final boolean embedded;
    private final String proxySource;
    private final Bypass bypass;
    private final DnsMode dns;
    private final int connectTimeoutMillis;
    private final UdpMode udp;
    private final String logLevel;
    private final boolean inheritToChildren;

    private AgentConfig(SocksProxy proxy, boolean embedded, String proxySource, Bypass bypass, DnsMode dns,
            int connectTimeoutMillis, UdpMode udp, String logLevel, boolean inheritToChildren) {
        this.proxy = proxy;
        this.embedded = embedded;
        this.proxySource = proxySource;
        this.bypass = bypass;
        this.dns = dns;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.udp = udp;
        this.logLevel = logLevel;
        this.inheritToChildren = inheritToChildren;
    }

    /**
     * @param agentArgs        the agent options, may be null or empty
     * @param systemProperties the JVM's system properties
     * @throws ConfigException naming the key, the value (password masked) and what is expected
     */
    public static AgentConfig parse(String agentArgs, Properties systemProperties) {
        return parse(agentArgs, systemProperties, System.getenv());
    }

    /**
     * @param environment the process environment, read for {@code ALL_PROXY} and {@code NO_PROXY} when neither
     *                    {@code proxy} nor {@code socksProxyHost} is given ({@link EnvironmentProxy})
     * @throws ConfigException naming the key, the value (password masked) and what is expected
     */
    public static AgentConfig parse(String agentArgs, Properties systemProperties, Map<String, String> environment) {
        Map<String, String> options = parseAgentArgs(agentArgs);
        for (String name : systemProperties.stringPropertyNames()) {
            if (name.startsWith(PROPERTY_PREFIX) && !KEYS.contains(name.substring(PROPERTY_PREFIX.length()))) {
                throw new ConfigException("unknown system property " + name + " (known keys: "
                        + String.join(", ", KEYS) + ")");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> shownKeys = new LinkedHashMap<>();
        for (String key : KEYS) {
            if (options.containsKey(key)) {
                values.put(key, options.get(key));
                shownKeys.put(key, key);
            } else if (systemProperties.getProperty(PROPERTY_PREFIX + key) != null) {
                values.put(key, systemProperties.getProperty(PROPERTY_PREFIX + key));
                shownKeys.put(key, PROPERTY_PREFIX + key);
            }
        }

        String environmentIgnored = null;
        String jdkHost = systemProperties.getProperty(JDK_HOST);
        if (!values.containsKey(PROXY) && (jdkHost == null || jdkHost.isBlank())) {
            EnvironmentProxy env = EnvironmentProxy.read(environment);
            environmentIgnored = env.ignored();
            if (env.proxy() != null) {
                values.put(PROXY, env.proxy());
                shownKeys.put(PROXY, env.proxyVariable());
                if (!values.containsKey(BYPASS) && env.bypass() != null) {
                    values.put(BYPASS, env.bypass());
                    shownKeys.put(BYPASS, env.bypassVariable());
                }
                if (!env.skippedBypassEntries().isEmpty()) {
                    System.err.println("socksify: " + env.bypassVariable() + " entries " + env.skippedBypassEntries()
                            + " ignored (expected: host names, .domain suffixes, IP addresses or CIDR ranges, or *):"
                            + " they go through the proxy");
                }
            }
        }

        SocksProxy proxy = null;
        boolean embedded = false;
        boolean remoteByDefault;
        String proxySource;
        Bypass jdkBypass = null;
        String proxyValue = values.get(PROXY);
        if (proxyValue != null) {
            proxySource = shownKeys.get(PROXY);
            if (proxyValue.trim().equalsIgnoreCase("embedded")) {
                embedded = true;
                remoteByDefault = true;
            } else {
                ParsedProxy parsed = parseProxy(proxySource, proxyValue.trim());
                proxy = withPasswordFromEnvironment(parsed.proxy, environment);
                remoteByDefault = parsed.remoteByDefault;
            }
        } else {
            String host = systemProperties.getProperty(JDK_HOST);
            if (host == null || host.isBlank()) {
                throw new ConfigException("no proxy configured (expected: the agent option proxy=socks5://host:port,"
                        + " -Dsocksify.proxy=..., the JDK's -DsocksProxyHost=... or ALL_PROXY=socks5h://host:port)"
                        + (environmentIgnored == null ? "" : "; " + environmentIgnored));
            }
            proxySource = JDK_HOST;
            proxy = jdkProxy(host.trim(), systemProperties);
            remoteByDefault = false;
            jdkBypass = Bypass.parseJdk(JDK_NON_PROXY_HOSTS, systemProperties.getProperty(JDK_NON_PROXY_HOSTS));
        }

        Bypass bypass;
        if (values.containsKey(BYPASS)) {
            bypass = Bypass.parse(shownKeys.get(BYPASS), values.get(BYPASS));
        } else if (jdkBypass != null) {
            bypass = jdkBypass;
        } else {
            bypass = Bypass.parse(BYPASS, Bypass.DEFAULT);
        }

        DnsMode dns = remoteByDefault ? DnsMode.REMOTE : DnsMode.LOCAL;
        if (values.containsKey(DNS)) {
            String v = values.get(DNS).trim().toLowerCase(Locale.ROOT);
            if (v.equals("remote")) {
                dns = DnsMode.REMOTE;
            } else if (v.equals("local")) {
                dns = DnsMode.LOCAL;
            } else {
                throw new ConfigException(shownKeys.get(DNS), values.get(DNS), "remote or local");
            }
            if (dns == DnsMode.REMOTE && proxy != null && proxy.version() == SocksVersion.SOCKS4) {
                throw new ConfigException(shownKeys.get(DNS), values.get(DNS),
                        "local with socks4:// (SOCKS4 cannot carry host names: use socks4a:// or socks5h://)");
            }
        }

        int connectTimeout = DEFAULT_CONNECT_TIMEOUT_MILLIS;
        if (values.containsKey(CONNECT_TIMEOUT)) {
            String v = values.get(CONNECT_TIMEOUT).trim();
            try {
                connectTimeout = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                connectTimeout = -1;
            }
            if (connectTimeout <= 0) {
                throw new ConfigException(shownKeys.get(CONNECT_TIMEOUT), values.get(CONNECT_TIMEOUT),
                        "a positive number of milliseconds, at most " + Integer.MAX_VALUE);
            }
        }

        UdpMode udp = UdpMode.PROXY;
        if (values.containsKey(UDP)) {
            try {
                udp = UdpMode.valueOf(values.get(UDP).trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(shownKeys.get(UDP), values.get(UDP), "proxy, block or direct");
            }
        }

        String logLevel = "info";
        if (values.containsKey(LOG_LEVEL)) {
            logLevel = values.get(LOG_LEVEL).trim().toLowerCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(logLevel)) {
                throw new ConfigException(shownKeys.get(LOG_LEVEL), values.get(LOG_LEVEL), String.join(", ", LOG_LEVELS));
            }
        }
        boolean inherit = true;
        if (values.containsKey(CHILDREN)) {
            switch (values.get(CHILDREN).trim().toLowerCase(Locale.ROOT)) {
                case "inherit" -> inherit = true;
                case "none" -> inherit = false;
                default -> throw new ConfigException(shownKeys.get(CHILDREN), values.get(CHILDREN), "inherit or none");
            }
        }
        return new AgentConfig(proxy, embedded, proxySource, bypass, dns, connectTimeout, udp, logLevel, inherit);
    }

    /**
     * A SOCKS5 URL with a user and no (or an empty) password takes the password from {@code SOCKSIFY_PROXY_PASSWORD}: how a child
     * JVM started with {@code children=inherit} gets it without a command line or {@code JAVA_TOOL_OPTIONS} (which
     * the JVM prints) showing it.
     */
    private static SocksProxy withPasswordFromEnvironment(SocksProxy proxy, Map<String, String> environment) {
        String password = environment.get(PASSWORD_VARIABLE);
        if (password == null || proxy.username() == null || !proxy.password().isEmpty()
                || proxy.version() != SocksVersion.SOCKS5) {
            return proxy;
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new ConfigException(PASSWORD_VARIABLE + " is longer than 255 bytes (RFC 1929)");
        }
        return proxy.withCredentials(proxy.username(), password);
    }

    private static Map<String, String> parseAgentArgs(String agentArgs) {
        Map<String, String> options = new LinkedHashMap<>();
        if (agentArgs == null || agentArgs.isBlank()) {
            return options;
        }
        for (String option : agentArgs.split(",")) {
            String o = option.trim();
            if (o.isEmpty()) {
                continue;
            }
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("agent option '" + maskUserInfo(o) + "' is not key=value (known keys: "
                        + String.join(", ", KEYS) + ")");
            }
            String key = o.substring(0, eq).trim();
            if (!KEYS.contains(key)) {
                throw new ConfigException("unknown agent option " + key + " (known keys: " + String.join(", ", KEYS)
                        + ")");
            }
            options.put(key, o.substring(eq + 1));
        }
        return options;
    }

    private record ParsedProxy(SocksProxy proxy, boolean remoteByDefault) {
    }

    private static ParsedProxy parseProxy(String key, String value) {
        String shown = maskUserInfo(value);
        int sep = value.indexOf("://");
        if (sep < 0) {
            throw new ConfigException(key, shown, PROXY_EXPECTED);
        }
        String scheme = value.substring(0, sep).toLowerCase(Locale.ROOT);
        SocksVersion version;
        boolean remote;
        switch (scheme) {
            case "socks5" -> {
                version = SocksVersion.SOCKS5;
                remote = false;
            }
            case "socks5h" -> {
                version = SocksVersion.SOCKS5;
                remote = true;
            }
            case "socks4" -> {
                version = SocksVersion.SOCKS4;
                remote = false;
            }
            case "socks4a" -> {
                version = SocksVersion.SOCKS4A;
                remote = true;
            }
            default -> throw new ConfigException(key, shown, PROXY_EXPECTED);
        }
        String rest = value.substring(sep + 3);
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            try {
                user = percentDecode(colon < 0 ? userInfo : userInfo.substring(0, colon));
                password = colon < 0 ? null : percentDecode(userInfo.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, shown, PROXY_EXPECTED + ", with %XX escapes in user and password");
            }
            if (user.isEmpty() || user.getBytes(StandardCharsets.UTF_8).length > 255
                    || password != null && password.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw new ConfigException(key, shown, "a user name of 1..255 bytes and a password of at most 255 bytes");
            }
            if (password != null && version != SocksVersion.SOCKS5) {
                throw new ConfigException(key, shown, scheme + "://[user@]host:port (SOCKS4 has a user id, no password)");
            }
        }
        InetSocketAddress address = parseHostPort(key, shown, rest);
        SocksProxy proxy = SocksProxy.of(version, address);
        if (user != null) {
            proxy = proxy.withCredentials(user, password);
        }
        return new ParsedProxy(proxy, remote);
    }

    private static InetSocketAddress parseHostPort(String key, String shown, String hostPort) {
        String host;
        String portText = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new ConfigException(key, shown, PROXY_EXPECTED);
            }
            host = hostPort.substring(1, close);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new ConfigException(key, shown, PROXY_EXPECTED);
                }
                portText = after.substring(1);
            }
            if (!host.contains(":") || !Bypass.isIpLiteral(host)) {
                throw new ConfigException(key, shown, "an IPv6 address inside [ ]");
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            portText = colon < 0 ? null : hostPort.substring(colon + 1);
            if (!HOST.matcher(host).matches()) {
                throw new ConfigException(key, shown, PROXY_EXPECTED + " (the host is missing or malformed)");
            }
        }
        int port = 1080;
        if (portText != null) {
            port = portText.matches("\\d{1,5}") ? Integer.parseInt(portText) : -1;
            if (port < 1 || port > 65535) {
                throw new ConfigException(key, shown, PROXY_EXPECTED + " with a port in 1..65535");
            }
        }
        return address(host, port);
    }

    /** An IP literal becomes a resolved address (no lookup happens); a name stays unresolved until use. */
    private static InetSocketAddress address(String host, int port) {
        if (Bypass.isIpLiteral(host)) {
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                // isIpLiteral only looks at the characters: "::1::" looks like IPv6 but is none (found by fuzzing).
                throw new ConfigException("proxy host " + host + ": looks like an IPv6 address but is not one ("
                        + e.getMessage() + ")");
            }
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static SocksProxy jdkProxy(String host, Properties props) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!HOST.matcher(h).matches() && !Bypass.isIpLiteral(h)) {
            throw new ConfigException(JDK_HOST, host, "a host name or IP address");
        }
        String portText = props.getProperty(JDK_PORT);
        int port = 1080;
        if (portText != null && !portText.isBlank()) {
            port = portText.trim().matches("\\d{1,5}") ? Integer.parseInt(portText.trim()) : -1;
            if (port < 1 || port > 65535) {
                throw new ConfigException(JDK_PORT, portText, "a port in 1..65535");
            }
        }
        String versionText = props.getProperty(JDK_VERSION);
        SocksVersion version = SocksVersion.SOCKS5;
        if (versionText != null && !versionText.isBlank()) {
            switch (versionText.trim()) {
                case "5" -> version = SocksVersion.SOCKS5;
                case "4" -> version = SocksVersion.SOCKS4;
                default -> throw new ConfigException(JDK_VERSION, versionText, "5 or 4");
            }
        }
        SocksProxy proxy = SocksProxy.of(version, address(h, port));
        String user = props.getProperty(JDK_USERNAME);
        if (user != null && !user.isEmpty()) {
            String password = version == SocksVersion.SOCKS5 ? props.getProperty(JDK_PASSWORD, "") : null;
            proxy = proxy.withCredentials(user, password);
        }
        return proxy;
    }

    /** Decodes %XX escapes as UTF-8; a {@code +} stays a plus (this is a URI, not a form). */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("truncated escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Replaces the password of {@code scheme://user:password@host} (or of any {@code user:password@}) by ****. */
    public static String maskUserInfo(String s) {
        int at = s.lastIndexOf('@');
        if (at < 0) {
            return s;
        }
        int start = s.indexOf("://");
        start = start < 0 ? 0 : start + 3;
        if (start > at) {
            return s;
        }
        int colon = s.indexOf(':', start);
        if (colon < 0 || colon > at) {
            return s;
        }
        return s.substring(0, colon + 1) + "****" + s.substring(at);
    }

    /** @return the proxy, or null for {@code proxy=embedded} until the embedded server runs */
    public SocksProxy proxy() {
        return proxy;
    }

    public boolean embedded() {
        return embedded;
    }

    /** @return a copy routing through the given proxy (used once the embedded server runs) */
    public AgentConfig withProxy(SocksProxy proxy) {
        return new AgentConfig(proxy, embedded, proxySource, bypass, dns, connectTimeoutMillis, udp, logLevel,
                inheritToChildren);
    }

    /** @return where the proxy came from: {@code proxy}, {@code socksify.proxy}, {@code socksProxyHost}, {@code all_proxy} or {@code ALL_PROXY} */
    public String proxySource() {
        return proxySource;
    }

    public Bypass bypass() {
        return bypass;
    }

    public DnsMode dns() {
        return dns;
    }

    public int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    public UdpMode udp() {
        return udp;
    }

    public String logLevel() {
        return logLevel;
    }

    /** @return whether child processes get socksify's settings ({@code children=inherit}, the default) */
    public boolean inheritToChildren() {
        return inheritToChildren;
    }

    /** @return e.g. {@code proxy=socks5://alice:****@127.0.0.1:1080 dns=remote udp=proxy bypass=localhost|...} */
    @Override
    public String toString() {
        String p = proxy != null ? proxy.toString() : "embedded";
        if (embedded && proxy != null) {
            p = "embedded " + p;
        }
        return "proxy=" + p + " dns=" + dns.name().toLowerCase(Locale.ROOT)
                + " udp=" + udp.name().toLowerCase(Locale.ROOT) + " bypass=" + bypass
                + " connectTimeout=" + connectTimeoutMillis + "ms";
    }
}
