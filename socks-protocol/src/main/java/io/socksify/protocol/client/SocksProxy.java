package io.socksify.protocol.client;

import io.socksify.protocol.wire.SocksVersion;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A SOCKS proxy: its version, its address (which may be unresolved) and optional username/password credentials
 * (RFC 1929, SOCKS5 only; with SOCKS4 and 4a the username is sent as {@code USERID}). {@link #toString()} never
 * shows the password.
 */
public final class SocksProxy {
    private final SocksVersion version;
    private final InetSocketAddress address;
    private final String username;
    private final String password;
    private final GssapiOptions gssapi;

    private SocksProxy(SocksVersion version, InetSocketAddress address, String username, String password,
            GssapiOptions gssapi) {
        this.version = Objects.requireNonNull(version, "version");
        this.address = Objects.requireNonNull(address, "address");
        this.username = username;
        this.password = password;
        this.gssapi = gssapi;
    }

    public static SocksProxy of(SocksVersion version, InetSocketAddress address) {
        return new SocksProxy(version, address, null, null, null);
    }

    /** @return a copy with these credentials; a null username removes them */
    public SocksProxy withCredentials(String username, String password) {
        return new SocksProxy(version, address, username, username == null ? null : (password == null ? "" : password),
                gssapi);
    }

    /**
     * @return a copy that also offers the GSS-API method (RFC 1961, SOCKS5 only) with these options; null removes it
     */
    public SocksProxy withGssapi(GssapiOptions gssapi) {
        return new SocksProxy(version, address, username, password, gssapi);
    }

    /** @return the GSS-API options, or null when the GSS-API method is not offered */
    public GssapiOptions gssapi() {
        return gssapi;
    }

    public SocksVersion version() {
        return version;
    }

    public InetSocketAddress address() {
        return address;
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
        return o instanceof SocksProxy p && version == p.version && address.equals(p.address)
                && Objects.equals(username, p.username) && Objects.equals(password, p.password)
                && Objects.equals(gssapi, p.gssapi);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, address, username, password, gssapi);
    }

    /** @return e.g. {@code socks5://alice:****@127.0.0.1:1080}; the password is always masked */
    @Override
    public String toString() {
        String scheme = version.name().toLowerCase(java.util.Locale.ROOT);
        String user = username == null ? "" : username + (version == SocksVersion.SOCKS5 ? ":****" : "") + "@";
        return scheme + "://" + user + address.getHostString() + ":" + address.getPort();
    }
}
