package io.socksify.protocol.client;

import java.io.IOException;

/**
 * Sets the read timeout of the stream a blocking handshake reads from, so that one deadline bounds the whole
 * handshake. For a {@link java.net.Socket} it is {@code socket::setSoTimeout}.
 */
@FunctionalInterface
public interface ReadTimeout {
    /** @param millis the timeout in milliseconds, always at least 1 */
    void set(int millis) throws IOException;
}
