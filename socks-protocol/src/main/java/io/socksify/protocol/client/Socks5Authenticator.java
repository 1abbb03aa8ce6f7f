package io.socksify.protocol.client;

import io.socksify.protocol.wire.Socks5AuthMethod;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One SOCKS5 authentication method's sub-negotiation (RFC 1928 section 3) on the client side, free of I/O like
 * {@link SocksClientHandshake}, which picks the one for the method the proxy selected: messages in, messages out.
 */
interface Socks5Authenticator {
    Socks5AuthMethod method();

    /** @return the first message, sent right after the proxy selected {@link #method()} */
    byte[] start() throws IOException;

    /**
     * @return the length of the message being received as far as its first {@code received} octets tell; more than
     *         {@code received} until it is complete
     */
    int messageLength(byte[] incoming, int received);

    /**
     * A whole message arrived.
     *
     * @return the next message to send, or null (then {@link #done()}, or the next message is awaited)
     */
    byte[] receive(ByteBuffer message) throws IOException;

    boolean done();

    /** @return the message awaited, in words */
    String waitingFor();

    /** @return the message being sent, in words */
    String sending();

    /** @return what to throw when the proxy closes while {@link #waitingFor()} had {@code received} octets */
    IOException endOfStream(int received, int needed);

    /** @return after {@link #done()}: the protection of the request, reply and data, or null for none */
    GssapiProtection protection();
}
