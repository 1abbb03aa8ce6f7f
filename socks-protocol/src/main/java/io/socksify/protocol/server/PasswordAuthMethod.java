package io.socksify.protocol.server;

import io.socksify.protocol.wire.Printable;
import io.socksify.protocol.wire.Socks5AuthMethod;
import io.socksify.protocol.wire.Socks5PasswordAuthRequest;
import io.socksify.protocol.wire.Socks5PasswordAuthResponse;
import io.socksify.protocol.wire.SocksProtocolException;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * RFC 1929 username/password. Without users any credentials pass (a client that offers only this method gets it);
 * with users, failed attempts are throttled per client address ({@link AuthThrottle}).
 */
final class PasswordAuthMethod implements ServerAuthMethod {
    private final ServerConfig config;
    private final AuthThrottle throttle;

    PasswordAuthMethod(ServerConfig config, AuthThrottle throttle) {
        this.config = config;
        this.throttle = throttle;
    }

    @Override
    public Socks5AuthMethod method() {
        return Socks5AuthMethod.PASSWORD;
    }

    @Override
    public Exchange begin(InetAddress client) {
        return new Exchange() {
            /** An RFC 1929 request held back by the throttle, checked on the next step. */
            private Socks5PasswordAuthRequest pending;

            @Override
            public Outcome step(ByteBuffer in, ByteBuffer out) throws SocksProtocolException {
                Socks5PasswordAuthRequest auth = pending;
                pending = null;
                if (auth == null) {
                    auth = Socks5PasswordAuthRequest.decode(in);
                    if (auth == null) {
                        return Outcome.MORE;
                    }
                    if (!config.users.isEmpty()) {
                        AuthThrottle.Admission admission = throttle.admit(client, System.nanoTime());
                        if (admission.refused()) {
                            Socks5PasswordAuthResponse.FAILURE.encode(out);
                            return new Outcome(Kind.FAILED, auth.username(), null, null, 0, "authentication "
                                    + "refused unchecked: too many failures from this address (throttled)");
                        }
                        if (admission.waitNanos() > 0) {
                            pending = auth;
                            return new Outcome(Kind.WAIT, auth.username(), null, null, admission.waitNanos(), null);
                        }
                    }
                }
                boolean ok = config.users.isEmpty() || config.authenticate(auth.username(), auth.password());
                (ok ? Socks5PasswordAuthResponse.SUCCESS : Socks5PasswordAuthResponse.FAILURE).encode(out);
                if (!ok) {
                    throttle.failed(client, System.nanoTime());
                    return new Outcome(Kind.FAILED, auth.username(), null, null, 0,
                            "authentication failed for user " + Printable.field(auth.username()));
                }
                return Outcome.done(auth.username(), null, null);
            }

            @Override
            public void refuse(ByteBuffer out) {
                Socks5PasswordAuthResponse.FAILURE.encode(out);
            }
        };
    }
}
