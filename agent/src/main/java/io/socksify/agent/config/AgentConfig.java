package io.socksify.agent.config;

import io.socksify.protocol.client.GssapiOptions;
import io.socksify.protocol.client.SocksProxy;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksVersion;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

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
    public static final String ROUTES = "routes";
    public static final String PROXY_DOWN_SECONDS = "proxyDownSeconds";
    public static final String SELECT = "select";
    public static final String CHILDREN = "children";
    public static final String GSSAPI_PRINCIPAL = "gssapi.principal";
    public static final String GSSAPI_KEYTAB = "gssapi.keytab";
    public static final String GSSAPI_SERVICE = "gssapi.service";
    public static final String GSSAPI_LEVEL = "gssapi.level";
    public static final String GSSAPI_NEC = "gssapi.nec";
    public static final String GSSAPI_PROXIES = "gssapi.proxies";
    /** Every key, in the order the README lists them. */
    public static final List<String> KEYS = List.of(PROXY, ROUTES, BYPASS, DNS, CONNECT_TIMEOUT, PROXY_DOWN_SECONDS,
            SELECT, UDP, LOG_LEVEL, CHILDREN, GSSAPI_PRINCIPAL, GSSAPI_KEYTAB, GSSAPI_SERVICE, GSSAPI_LEVEL,
            GSSAPI_NEC, GSSAPI_PROXIES);
    /**
     * What the data path says when gssapi.level=clear and a proxy agrees to a level that wraps data: at clear the
     * application's own socket holds the connection to the proxy (no relay, GSSAPI-DESIGN.md).
     */
    static final String GSSAPI_CLEAR_ONLY = "gssapi.level=clear: the application's socket holds the connection to the "
            + "proxy without socksify's relay, which wraps only with gssapi.level=integrity or confidentiality";
    /**
     * Why a handshake other than the relayed last hop of a TCP connection or a UDP association refuses a level
     * that wraps: a hop before the last, BIND, a handshake without the relay (their data would travel unwrapped).
     */
    static final String GSSAPI_NOT_RELAYED = "socksify wraps GSS-API data only through its TCP relay (at the last hop "
            + "of a chain) and on UDP associations";
    /** The password for a proxy URL that names a user but none (how a child JVM gets it: see ChildSettings). */
    public static final String PASSWORD_VARIABLE = "SOCKSIFY_PROXY_PASSWORD";
    public static final int DEFAULT_PROXY_DOWN_SECONDS = 60;
    static final String VIA_EXPECTED = "direct, block, a proxy URL (" + "socks5://[user:password@]host:port,"
            + " socks5h://, socks4://, socks4a://), a chain a>b or a failover group a|b ('>' binds tighter)";
    static final String RULE_EXPECTED = "PATTERNS->VIA, PATTERNS in the bypass syntax, VIA " + VIA_EXPECTED;
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

    private final SocksProxy proxy;
    private final Via via;
    private final List<RouteRule> routes;
    private final int proxyDownSeconds;
    private final Select select;
    private final boolean embedded;
    private final String proxySource;
    private final Bypass bypass;
    private final DnsMode dns;
    private final int connectTimeoutMillis;
    private final UdpMode udp;
    private final String logLevel;
    private final boolean inheritToChildren;
    private final GssapiOptions gssapi;
    private final String gssapiProxies;

    private AgentConfig(Via via, List<RouteRule> routes, int proxyDownSeconds, Select select, boolean embedded,
            String proxySource, Bypass bypass, DnsMode dns, int connectTimeoutMillis, UdpMode udp, String logLevel,
            boolean inheritToChildren, GssapiOptions gssapi, String gssapiProxies) {
        this.via = via;
        this.proxy = via == null ? null : via.primary().first().proxy();
        this.routes = List.copyOf(routes);
        this.proxyDownSeconds = proxyDownSeconds;
        this.select = select;
        this.embedded = embedded;
        this.proxySource = proxySource;
        this.bypass = bypass;
        this.dns = dns;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.udp = udp;
        this.logLevel = logLevel;
        this.inheritToChildren = inheritToChildren;
        this.gssapi = gssapi;
        this.gssapiProxies = gssapiProxies;
    }

    /**
     * @param agentArgs        the agent options, may be null or empty
     * @param systemProperties the JVM's system properties
     * @throws ConfigException naming the key, the value (password masked) and what is expected
     */
    public static AgentConfig parse(String agentArgs, Properties systemProperties) {
        // The environment is read only when needed: System.getenv() loads and fills the JDK's ProcessEnvironment
        // (and on JDK 25 ProcessImpl, a class socksify hooks) while the JVM starts.
        return parse(agentArgs, systemProperties, null);
    }

    /**
     * @param environment the process environment, read for {@code ALL_PROXY} and {@code NO_PROXY} when neither
     *                    {@code proxy} nor {@code socksProxyHost} is given ({@link EnvironmentProxy}); null for
     *                    {@link System#getenv()}, read only then
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
            String v = values.get(key);
            if (v != null && v.strip().startsWith("@") && v.strip().length() > 1) {
                values.put(key, fromFile(key, shownKeys.get(key), v.strip().substring(1)));
            }
        }

        String environmentIgnored = null;
        String jdkHost = systemProperties.getProperty(JDK_HOST);
        if (!values.containsKey(PROXY) && (jdkHost == null || jdkHost.isBlank())) {
            EnvironmentProxy env = EnvironmentProxy.read(environment != null ? environment : System.getenv());
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
        Via via = null;
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
                via = withPasswordFromEnvironment(parseVia(proxySource, proxyValue.trim(), false), environment);
                proxy = via.primary().first().proxy();
                remoteByDefault = via.primary().last().remoteNames();
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
            via = single(proxy, false, proxy.toString());
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
            if (dns == DnsMode.REMOTE && via != null && via.primary().last().proxy().version() == SocksVersion.SOCKS4) {
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

        List<RouteRule> routes = new ArrayList<>();
        if (values.containsKey(ROUTES)) {
            routes = parseRoutes(shownKeys.get(ROUTES), values.get(ROUTES));
        }

        int proxyDownSeconds = DEFAULT_PROXY_DOWN_SECONDS;
        if (values.containsKey(PROXY_DOWN_SECONDS)) {
            String v = values.get(PROXY_DOWN_SECONDS).trim();
            proxyDownSeconds = Syntax.digits(v, 6) ? Integer.parseInt(v) : -1;
            if (proxyDownSeconds < 0) {
                throw new ConfigException(shownKeys.get(PROXY_DOWN_SECONDS), values.get(PROXY_DOWN_SECONDS),
                        "a number of seconds in 0..999999 (0: never mark a proxy down)");
            }
        }

        Select select = Select.ORDER;
        if (values.containsKey(SELECT)) {
            switch (values.get(SELECT).trim().toLowerCase(Locale.ROOT)) {
                case "order" -> select = Select.ORDER;
                case "round-robin" -> select = Select.ROUND_ROBIN;
                case "random" -> select = Select.RANDOM;
                default -> throw new ConfigException(shownKeys.get(SELECT), values.get(SELECT),
                        "order, round-robin or random");
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
        GssapiOptions gssapi = parseGssapi(values, shownKeys);
        String gssapiProxies = null;
        if (gssapi != null) {
            List<String[]> only = null;
            if (values.containsKey(GSSAPI_PROXIES)) {
                only = parseGssapiProxies(shownKeys.get(GSSAPI_PROXIES), values.get(GSSAPI_PROXIES));
                gssapiProxies = values.get(GSSAPI_PROXIES).strip();
            }
            boolean[] used = only == null ? null : new boolean[only.size()];
            via = withGssapi(via, gssapi, only, used);
            List<RouteRule> withGssapi = new ArrayList<>();
            for (RouteRule rule : routes) {
                withGssapi.add(new RouteRule(rule.patterns(), withGssapi(rule.via(), gssapi, only, used),
                        rule.text()));
            }
            routes = withGssapi;
            for (int i = 0; used != null && i < used.length; i++) {
                if (!used[i] && !embedded) {
                    throw new ConfigException(shownKeys.get(GSSAPI_PROXIES), values.get(GSSAPI_PROXIES),
                            "host or host:port of SOCKS5 proxies in proxy or routes ("
                                    + String.join(":", only.get(i)).replaceAll(":-1$", "")
                                    + " names none of them)");
                }
            }
        }
        return new AgentConfig(via, routes, proxyDownSeconds, select, embedded, proxySource, bypass, dns,
                connectTimeout, udp, logLevel, inherit, gssapi, gssapiProxies);
    }

    /**
     * The {@code gssapi.*} keys: null when none is given. Every SOCKS5 proxy then offers GSS-API (RFC 1961) beside
     * its other methods, and uses it when the proxy selects it.
     */
    private static GssapiOptions parseGssapi(Map<String, String> values, Map<String, String> shownKeys) {
        List<String> given = new ArrayList<>();
        for (String key : List.of(GSSAPI_PRINCIPAL, GSSAPI_KEYTAB, GSSAPI_SERVICE, GSSAPI_LEVEL, GSSAPI_NEC,
                GSSAPI_PROXIES)) {
            if (values.containsKey(key)) {
                given.add(key);
            }
        }
        if (given.isEmpty()) {
            return null;
        }
        GssapiOptions.Builder b = GssapiOptions.builder().kdcScope(io.socksify.agent.bootstrap.KdcTraffic.SCOPE);
        if (values.containsKey(GSSAPI_PRINCIPAL)) {
            String v = values.get(GSSAPI_PRINCIPAL).strip();
            if (v.isEmpty() || v.chars().anyMatch(c -> c <= ' ' || c == 0x7F)) {
                throw new ConfigException(shownKeys.get(GSSAPI_PRINCIPAL), values.get(GSSAPI_PRINCIPAL),
                        "a Kerberos principal such as user@EXAMPLE.COM (no spaces or control characters)");
            }
            b.principal(v);
        }
        if (values.containsKey(GSSAPI_KEYTAB)) {
            String v = values.get(GSSAPI_KEYTAB).strip();
            java.nio.file.Path keytab;
            try {
                keytab = java.nio.file.Path.of(v);
            } catch (java.nio.file.InvalidPathException e) {
                keytab = null;
            }
            if (v.isEmpty() || keytab == null || !java.nio.file.Files.isRegularFile(keytab)
                    || !java.nio.file.Files.isReadable(keytab)) {
                throw new ConfigException(shownKeys.get(GSSAPI_KEYTAB), values.get(GSSAPI_KEYTAB),
                        "a readable keytab file (without gssapi.keytab: the ticket cache, KRB5CCNAME or the JDK's "
                                + "default)");
            }
            b.keytab(keytab);
        }
        if (values.containsKey(GSSAPI_SERVICE)) {
            String v = values.get(GSSAPI_SERVICE).strip();
            if (!v.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new ConfigException(shownKeys.get(GSSAPI_SERVICE), values.get(GSSAPI_SERVICE),
                        "a service name such as rcmd (the proxy's principal is service/proxy-host)");
            }
            b.service(v);
        }
        Socks5GssapiProtectionLevel level = Socks5GssapiProtectionLevel.INTEGRITY;
        String levelKey = values.containsKey(GSSAPI_LEVEL) ? shownKeys.get(GSSAPI_LEVEL) : GSSAPI_LEVEL;
        String levelValue = values.getOrDefault(GSSAPI_LEVEL, "integrity");
        switch (levelValue.strip().toLowerCase(Locale.ROOT)) {
            case "clear" -> level = Socks5GssapiProtectionLevel.CLEAR;
            case "integrity" -> level = Socks5GssapiProtectionLevel.INTEGRITY;
            case "confidentiality" -> level = Socks5GssapiProtectionLevel.CONFIDENTIALITY;
            default -> throw new ConfigException(levelKey, levelValue, "clear, integrity or confidentiality (the "
                    + "lowest level accepted)");
        }
        // Deny by default: a handshake whose data path cannot wrap refuses a level that wraps. Only the relayed last
        // hop of a TCP connection (route/GssapiRelay, through ProxyConnect) opts in.
        b.unprotectedDataPath(level == Socks5GssapiProtectionLevel.CLEAR ? GSSAPI_CLEAR_ONLY : GSSAPI_NOT_RELAYED);
        b.level(level);
        if (values.containsKey(GSSAPI_NEC)) {
            switch (values.get(GSSAPI_NEC).strip().toLowerCase(Locale.ROOT)) {
                case "true" -> b.nec(true);
                case "false" -> b.nec(false);
                default -> throw new ConfigException(shownKeys.get(GSSAPI_NEC), values.get(GSSAPI_NEC),
                        "true or false (true: the level octet travels unwrapped, Dante's clientcompatibility: "
                                + "necgssapi)");
            }
        }
        return b.build();
    }

    /**
     * {@code gssapi.proxies}: {@code |}-separated {@code host} or {@code host:port} ({@code [v6]:port}) entries, each
     * as {host in lower case, port or "-1"}.
     */
    static List<String[]> parseGssapiProxies(String key, String value) {
        List<String[]> entries = new ArrayList<>();
        for (String raw : value.split("\\|", -1)) {
            String e = raw.strip().toLowerCase(Locale.ROOT);
            String host = e;
            String port = "-1";
            if (e.startsWith("[")) {
                int close = e.indexOf(']');
                if (close < 0) {
                    host = "";
                } else {
                    host = e.substring(1, close);
                    String rest = e.substring(close + 1);
                    if (!rest.isEmpty()) {
                        port = rest.startsWith(":") ? rest.substring(1) : "";
                    }
                }
            } else if (e.indexOf(':') >= 0 && e.indexOf(':') == e.lastIndexOf(':')) {
                host = e.substring(0, e.indexOf(':'));
                port = e.substring(e.indexOf(':') + 1);
            }
            boolean portOk = port.equals("-1") || (!port.isEmpty() && port.length() <= 5
                    && port.chars().allMatch(c -> c >= '0' && c <= '9') && Integer.parseInt(port) >= 1
                    && Integer.parseInt(port) <= 65535);
            if (host.isEmpty() || !portOk || host.chars().anyMatch(c -> c <= ' ' || c == ',' || c == '/')) {
                throw new ConfigException(key, value, "host or host:port of SOCKS5 proxies in proxy or routes, "
                        + "separated by | (" + (raw.isBlank() ? "an empty entry" : raw.strip() + " is not one") + ")");
            }
            entries.add(new String[] {host, port});
        }
        return entries;
    }

    private static boolean named(SocksProxy proxy, String[] entry) {
        String host = proxy.host().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        boolean same = host.equals(entry[0]);
        if (!same && host.indexOf(':') >= 0 && entry[0].indexOf(':') >= 0) {
            // Two IPv6 literals written differently (fd00::1, fd00:0:0:0:0:0:0:1): parsing a literal looks nothing up.
            try {
                same = java.net.InetAddress.getByName(host).equals(java.net.InetAddress.getByName(entry[0]));
            } catch (java.net.UnknownHostException e) {
                same = false;
            }
        }
        return same && (entry[1].equals("-1") || Integer.parseInt(entry[1]) == proxy.port());
    }

    /**
     * Every SOCKS5 hop of {@code via} with {@code gssapi}, or only those {@code only} names (marking in {@code used}
     * which entries named one); the hop texts (what messages show) stay as written.
     */
    private static Via withGssapi(Via via, GssapiOptions gssapi, List<String[]> only, boolean[] used) {
        if (via == null || via.kind() != Via.Kind.PROXY) {
            return via;
        }
        List<Chain> alternatives = new ArrayList<>();
        for (Chain chain : via.alternatives()) {
            List<Hop> hops = new ArrayList<>();
            for (Hop hop : chain.hops()) {
                boolean chosen = hop.proxy().version() == SocksVersion.SOCKS5;
                if (chosen && only != null) {
                    chosen = false;
                    for (int i = 0; i < only.size(); i++) {
                        if (named(hop.proxy(), only.get(i))) {
                            used[i] = true;
                            chosen = true;
                        }
                    }
                }
                hops.add(!chosen ? hop : new Hop(hop.proxy().withGssapi(gssapi), hop.remoteNames(), hop.text()));
            }
            alternatives.add(new Chain(hops));
        }
        return Via.proxies(alternatives);
    }

    /**
     * A SOCKS5 URL with a user and no (or an empty) password takes the password from {@code SOCKSIFY_PROXY_PASSWORD}: how a child
     * JVM started with {@code children=inherit} gets it without a command line or {@code JAVA_TOOL_OPTIONS} (which
     * the JVM prints) showing it.
     */
    private static Via withPasswordFromEnvironment(Via via, Map<String, String> environment) {
        Hop first = via.primary().first();
        SocksProxy proxy = first.proxy();
        if (proxy.username() == null || !proxy.password().isEmpty() || proxy.version() != SocksVersion.SOCKS5) {
            return via;
        }
        String password = environment != null ? environment.get(PASSWORD_VARIABLE) : System.getenv(PASSWORD_VARIABLE);
        if (password == null) {
            return via;
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new ConfigException(PASSWORD_VARIABLE + " is longer than 255 bytes (RFC 1929)");
        }
        List<Hop> hops = new ArrayList<>(via.primary().hops());
        // The hop's text (what messages show) masks the password as a URL with one would.
        hops.set(0, new Hop(proxy.withCredentials(proxy.username(), password), first.remoteNames(),
                first.text().replaceFirst("@", ":****@")));
        List<Chain> alternatives = new ArrayList<>(via.alternatives());
        alternatives.set(0, new Chain(hops));
        return Via.proxies(alternatives);
    }

    /** {@code key=@path}: the value's items one a line, joined as the key joins them. */
    private static String fromFile(String key, String shown, String path) {
        List<String> lines = OptionFiles.read(shown, path);
        String separator = switch (key) {
            case ROUTES -> ";";
            case BYPASS, PROXY -> "|";
            default -> null;
        };
        if (separator == null) {
            if (lines.size() != 1) {
                throw new ConfigException(shown, "@" + path, "a file with exactly one value line (it has "
                        + lines.size() + ")");
            }
            return lines.get(0);
        }
        if (lines.isEmpty()) {
            throw new ConfigException(shown, "@" + path, "a file with at least one line");
        }
        return String.join(separator, lines);
    }

    /** Parses {@code routes}: {@code PATTERNS->VIA} rules separated by {@code ;} (an empty rule is skipped). */
    static List<RouteRule> parseRoutes(String key, String value) {
        List<RouteRule> rules = new ArrayList<>();
        int n = 0;
        for (String raw : value.split(";", -1)) {
            String rule = raw.trim();
            if (rule.isEmpty()) {
                continue;
            }
            n++;
            String shownRule = maskUserInfo(rule);
            String name = key + " rule " + n + " (" + shownRule + ")";
            int arrow = rule.indexOf("->");
            if (arrow < 0) {
                throw new ConfigException(key + " rule " + n, shownRule, RULE_EXPECTED);
            }
            String patterns = rule.substring(0, arrow).trim();
            String viaText = rule.substring(arrow + 2).trim();
            if (patterns.isEmpty() || patterns.equalsIgnoreCase("none")) {
                throw new ConfigException(name, patterns, Bypass.EXPECTED.replace("; or none", "")
                        + " before '->'");
            }
            Bypass parsed = Bypass.parse(name, patterns);
            rules.add(new RouteRule(parsed, parseVia(name, viaText, true), "rule " + n + " " + shownRule));
        }
        return rules;
    }

    /**
     * Parses a VIA: {@code direct}, {@code block} (only where {@code allowKeywords}), or alternatives joined by
     * {@code |}, each a chain of proxy URLs joined by {@code >}.
     */
    static Via parseVia(String key, String value, boolean allowKeywords) {
        String v = value.trim();
        if (allowKeywords && v.equalsIgnoreCase("direct")) {
            return Via.DIRECT;
        }
        if (allowKeywords && v.equalsIgnoreCase("block")) {
            return Via.BLOCK;
        }
        if (v.isEmpty()) {
            throw new ConfigException(key, v, allowKeywords ? VIA_EXPECTED : PROXY_EXPECTED);
        }
        List<Chain> alternatives = new ArrayList<>();
        for (String alternative : v.split("\\|", -1)) {
            List<Hop> hops = new ArrayList<>();
            for (String hopText : alternative.split(">", -1)) {
                String h = hopText.trim();
                if (h.isEmpty()) {
                    throw new ConfigException(key, maskUserInfo(v), (allowKeywords ? VIA_EXPECTED : PROXY_EXPECTED
                            + ", chains a>b, groups a|b") + " (an empty hop)");
                }
                if (allowKeywords && (h.equalsIgnoreCase("direct") || h.equalsIgnoreCase("block"))) {
                    throw new ConfigException(key, h, "direct and block alone, not in a chain or group");
                }
                ParsedProxy parsed = parseProxy(key, h);
                hops.add(new Hop(parsed.proxy, parsed.remoteByDefault, maskUserInfo(h)));
            }
            alternatives.add(new Chain(hops));
        }
        return Via.proxies(alternatives);
    }

    private static Via single(SocksProxy proxy, boolean remote, String text) {
        return Via.proxies(List.of(new Chain(List.of(new Hop(proxy, remote, text)))));
    }

    private static Map<String, String> parseAgentArgs(String agentArgs) {
        Map<String, String> options = new LinkedHashMap<>();
        if (agentArgs == null || agentArgs.isBlank()) {
            return options;
        }
        List<String> items = new ArrayList<>();
        for (String option : agentArgs.split(",")) {
            String o = option.trim();
            if (o.startsWith("@") && o.length() > 1) {
                // A file of key=value lines, as attach reads it.
                items.addAll(OptionFiles.read("agent option " + o, o.substring(1)));
            } else {
                items.add(o);
            }
        }
        for (String o : items) {
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
        SocksProxy proxy = parseHostPort(key, shown, rest, version);
        if (user != null) {
            proxy = proxy.withCredentials(user, password);
        }
        return new ParsedProxy(proxy, remote);
    }

    private static SocksProxy parseHostPort(String key, String shown, String hostPort, SocksVersion version) {
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
            if (!Syntax.hostName(host)) {
                throw new ConfigException(key, shown, PROXY_EXPECTED + " (the host is missing or malformed)");
            }
        }
        int port = 1080;
        if (portText != null) {
            port = Syntax.digits(portText, 5) ? Integer.parseInt(portText) : -1;
            if (port < 1 || port > 65535) {
                throw new ConfigException(key, shown, PROXY_EXPECTED + " with a port in 1..65535");
            }
        }
        return proxy(version, host, port);
    }

    /**
     * An IP literal becomes a resolved address (no lookup happens), made on first use when the literal is plain
     * ({@link Syntax#ipLiteral}: no name service while the JVM starts); a name stays unresolved until use.
     */
    private static SocksProxy proxy(SocksVersion version, String host, int port) {
        byte[] literal = Bypass.isIpLiteral(host) ? Syntax.ipLiteral(host) : null;
        if (literal != null) {
            return SocksProxy.ofLiteral(version, host, Syntax.hostAddress(literal), port);
        }
        return SocksProxy.of(version, address(host, port));
    }

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
        if (!Syntax.hostName(h) && !Bypass.isIpLiteral(h)) {
            throw new ConfigException(JDK_HOST, host, "a host name or IP address");
        }
        String portText = props.getProperty(JDK_PORT);
        int port = 1080;
        if (portText != null && !portText.isBlank()) {
            port = Syntax.digits(portText.trim(), 5) ? Integer.parseInt(portText.trim()) : -1;
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
        SocksProxy proxy = proxy(version, h, port);
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

    /**
     * @return the default route's first proxy (its only one unless {@code proxy} is a chain or group), or null for
     *         {@code proxy=embedded} until the embedded server runs
     */
    public SocksProxy proxy() {
        return proxy;
    }

    public boolean embedded() {
        return embedded;
    }

    /** @return a copy routing through the given proxy (used once the embedded server runs) */
    public AgentConfig withProxy(SocksProxy proxy) {
        return new AgentConfig(single(proxy, true, proxy.toString()), routes, proxyDownSeconds, select, embedded,
                proxySource, bypass, dns, connectTimeoutMillis, udp, logLevel, inheritToChildren, gssapi,
                gssapiProxies);
    }

    /** @return the GSS-API options the SOCKS5 proxies offer ({@code gssapi.*} keys), or null */
    public GssapiOptions gssapi() {
        return gssapi;
    }

    /** @return {@code gssapi.proxies} as given (the SOCKS5 proxies that offer GSS-API), or null for all of them */
    public String gssapiProxies() {
        return gssapiProxies;
    }

    /** @return the default route ({@code proxy}): a group of chains; null for {@code proxy=embedded} until it runs */
    public Via via() {
        return via;
    }

    /** @return the {@code routes} rules in order (the bypass rules come before them) */
    public List<RouteRule> routes() {
        return routes;
    }

    public int proxyDownSeconds() {
        return proxyDownSeconds;
    }

    public Select select() {
        return select;
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
        String p = via != null ? via.toString() : "embedded";
        if (embedded && proxy != null) {
            p = "embedded " + p;
        }
        return "proxy=" + p + " dns=" + dns.name().toLowerCase(Locale.ROOT)
                + " udp=" + udp.name().toLowerCase(Locale.ROOT) + " bypass=" + bypass
                + (routes.isEmpty() ? "" : " routes=" + routes.size())
                + " connectTimeout=" + connectTimeoutMillis + "ms"
                + (gssapi == null ? "" : " gssapi=" + (gssapi.principal() == null ? "default principal"
                        : gssapi.principal()) + " (" + gssapi.credentialSource() + ", service " + gssapi.service()
                        + ", level " + gssapi.level().name().toLowerCase(Locale.ROOT)
                        + (gssapiProxies == null ? "" : ", proxies " + gssapiProxies) + ")");
    }
}
