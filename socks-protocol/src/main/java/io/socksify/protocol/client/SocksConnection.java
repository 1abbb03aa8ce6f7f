package io.socksify.protocol.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A connection through a SOCKS proxy after a successful CONNECT: the socket to the proxy, the proxy's {@code BND},
 * and, when the GSS-API method (RFC 1961) was selected, its protection. Read and write through
 * {@link #inputStream()} and {@link #outputStream()}: at integrity and confidentiality they wrap and unwrap every byte
 * as {@code MTYP} 3 messages; otherwise they are the socket's own.
 */
public final class SocksConnection implements java.io.Closeable {
    private final Socket socket;
    private final InetSocketAddress boundAddress;
    private final GssapiProtection protection;
    private final InputStream in;
    private final OutputStream out;

    SocksConnection(Socket socket, InetSocketAddress boundAddress, GssapiProtection protection) throws IOException {
        this.socket = socket;
        this.boundAddress = boundAddress;
        this.protection = protection;
        this.in = protection == null ? socket.getInputStream() : protection.inputStream(socket.getInputStream());
        this.out = protection == null ? socket.getOutputStream() : protection.outputStream(socket.getOutputStream());
    }

    /** @return the socket to the proxy; with GSS-API integrity or confidentiality, never write to it directly */
    public Socket socket() {
        return socket;
    }

    /** @return the proxy's {@code BND.ADDR}/{@code BND.PORT} */
    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /** @return the GSS-API protection, or null when another method was selected */
    public GssapiProtection gssapiProtection() {
        return protection;
    }

    public InputStream inputStream() {
        return in;
    }

    public OutputStream outputStream() {
        return out;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return "SocksConnection[" + socket + ", BND " + boundAddress
                + (protection == null ? "" : ", " + protection) + "]";
    }
}
