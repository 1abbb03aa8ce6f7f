package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5PasswordAuthRequest;
import io.socksify.protocol.wire.Socks5PasswordAuthResponse;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The username/password method (RFC 1929): one request, one status. */
final class PasswordAuthenticator implements Socks5Authenticator {
    private final String context;
    private final String username;
    private final String password;
    private boolean done;

    PasswordAuthenticator(String context, String username, String password) {
        this.context = context;
        this.username = username;
        this.password = password;
    }

    @Override
    public Socks5AuthMethod method() {
        return Socks5AuthMethod.PASSWORD;
    }

    @Override
    public byte[] start() {
        return new Socks5PasswordAuthRequest(username, password).toBytes();
    }

    @Override
    public int messageLength(byte[] incoming, int received) {
        return Socks5PasswordAuthResponse.LENGTH;
    }

    @Override
    public byte[] receive(ByteBuffer message) throws IOException {
        Socks5PasswordAuthResponse response = Socks5PasswordAuthResponse.decode(message);
        if (!response.isSuccess()) {
            throw SocksFailures.authenticationFailed(context, response.status());
        }
        done = true;
        return null;
    }

    @Override
    public boolean done() {
        return done;
    }

    @Override
    public String waitingFor() {
        return "the RFC 1929 username/password reply";
    }

    @Override
    public String sending() {
        return "the username/password";
    }

    @Override
    public IOException endOfStream(int received, int needed) {
        return SocksFailures.endOfStream(context, waitingFor()
                + (received == 0 ? " (proxies that refuse the credentials sometimes just close)" : ""), received,
                needed);
    }

    @Override
    public GssapiProtection protection() {
        return null;
    }
}
