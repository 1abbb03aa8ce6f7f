package io.socksify.protocol.client;

import io.socksify.protocol.wire.SocksVersion;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A SOCKS proxy: its version, its address (which may be unresolved) and optional username/password credentials
 * (RFC 1929, SOCKS5 only; with SOCKS4 and 4a the username is sent as {@code USERID}). {@link #toString()} never
 * shows the password.
 *
 * <p>A proxy made by {@link #ofLiteral} from an IP literal makes its {@code InetSocketAddress} when {@link #address()}
 * is first called (the literal is resolved without a lookup): making an {@code InetAddress} initializes the JDK's
 * name service, which a JVM's start need not pay for when nothing connects yet.
 */
public final class SocksProxy {
    private final SocksVersion version;
    private volatile InetSocketAddress address;
    /** the IP literal to resolve on first use, or null when {@code address} is set */
    private final String literal;
    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final GssapiOptions gssapi;

    private SocksProxy(SocksVersion version, InetSocketAddress address, String literal, String host, int port,
            String username, String password, GssapiOptions gssapi) {
        this.version = Objects.requireNonNull(version, "version");
        this.address = address;
        this.literal = literal;
        this.host = host;
        this.port = port;
        this.username = username;
        this.password = password;
        this.gssapi = gssapi;
    }

    private SocksProxy copy(String username, String password, GssapiOptions gssapi) {
        return new SocksProxy(version, address, literal, host, port, username, password, gssapi);
    }

    public static SocksProxy of(SocksVersion version, InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        return new SocksProxy(version, address, null, address.getHostString(), address.getPort(), null, null, null);
    }

    /**
     * A proxy at an IP address given as a literal the JDK accepts ({@code InetAddress.getByName} returns it without
     * a lookup), resolved when {@link #address()} is first called.
     *
     * @param literal   the literal, as the JDK reads it
     * @param canonical the address as {@code InetAddress.getHostAddress} prints it ({@link #host()} before the
     *                  address is made)
     */
    public static SocksProxy ofLiteral(SocksVersion version, String literal, String canonical, int port) {
        Objects.requireNonNull(literal, "literal");
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return new SocksProxy(version, null, literal, Objects.requireNonNull(canonical, "canonical"), port, null,
                null, null);
    }

    /** @return a copy with these credentials; a null username removes them */
    public SocksProxy withCredentials(String username, String password) {
        return copy(username, username == null ? null : (password == null ? "" : password), gssapi);
    }

    /**
     * @return a copy that also offers the GSS-API method (RFC 1961, SOCKS5 only) with these options; null removes it
     */
    public SocksProxy withGssapi(GssapiOptions gssapi) {
        return copy(username, password, gssapi);
    }

    /** @return the GSS-API options, or null when the GSS-API method is not offered */
    public GssapiOptions gssapi() {
        return gssapi;
    }

    public SocksVersion version() {
        return version;
    }

    public InetSocketAddress address() {
        InetSocketAddress a = address;
        if (a == null) {
            try {
                a = new InetSocketAddress(java.net.InetAddress.getByName(literal), port);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException("not an IP literal: " + literal, e);
            }
            address = a;
        }
        return a;
    }

    /** @return the address's host string ({@code address().getHostString()}), without making the address */
    public String host() {
        return host;
    }

    /** @return the port, without making the address */
    public int port() {
        return port;
    }

    /** @return the username, or null when none is configured */
    public String username() {
        return username;
    }

    /** @return the password, or null when no username is configured */
    public String password() {
        return password;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SocksProxy p && version == p.version && address().equals(p.address())
                && Objects.equals(username, p.username) && Objects.equals(password, p.password)
                && Objects.equals(gssapi, p.gssapi);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, address(), username, password, gssapi);
    }

    /** @return e.g. {@code socks5://alice:****@127.0.0.1:1080}; the password is always masked */
    @Override
    public String toString() {
        String scheme = version.name().toLowerCase(java.util.Locale.ROOT);
        String user = username == null ? "" : username + (version == SocksVersion.SOCKS5 ? ":****" : "") + "@";
        return scheme + "://" + user + host + ":" + port;
    }
}
