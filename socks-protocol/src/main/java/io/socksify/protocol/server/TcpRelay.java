package io.socksify.protocol.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The TCP relay of one CONNECT or BIND after its success reply: two buffers between the client and the target,
 * confined to the session's loop. {@code up} (client to target) starts with the early data the client sent before
 * the reply, {@code down} (target to client) with the reply itself, so the reply always precedes the target's bytes.
 * A side whose peer cannot take more is not read (backpressure); each end of stream is passed on as a half-close;
 * the session ends when both ends have been passed on and both buffers are empty. With GSS-API at integrity or
 * confidentiality the client side goes through the session's {@link GssapiFraming}; the buffers stay plain.
 */
final class TcpRelay {
    /** Read-write rounds per readiness event, for fairness: fewer trips through the selector per byte. */
    private static final int PUMP_ROUNDS = 4;

    private final Session session;
    private final SocketChannel client;
    private final SelectionKey clientKey;
    private final SocketChannel target;
    private final SelectionKey targetKey;
    private final ByteBuffer up;
    private final ByteBuffer down;
    private final GssapiFraming framing;
    private boolean clientEof;
    private boolean targetEof;
    private boolean clientOutputShut;
    private boolean targetOutputShut;

    /**
     * @param up        the relay buffer to the target (write mode), holding the early data
     * @param down      the relay buffer to the client (write mode), holding the success reply
     * @param framing   RFC 1961 encapsulation of the client side, or null
     * @param clientEof whether the client's end of stream was seen already (a half-close after its request)
     */
    TcpRelay(Session session, SocketChannel client, SelectionKey clientKey, SocketChannel target,
            SelectionKey targetKey, ByteBuffer up, ByteBuffer down, GssapiFraming framing, boolean clientEof) {
        this.session = session;
        this.client = client;
        this.clientKey = clientKey;
        this.target = target;
        this.targetKey = targetKey;
        this.up = up;
        this.down = down;
        this.framing = framing;
        this.clientEof = clientEof;
    }

    /** Sends what the buffers hold already. */
    void start() throws IOException {
        writeTarget();
        writeClient();
        readBufferedInput();
        finishIfDone();
    }

    void ready(SelectionKey key, int ops) throws IOException {
        if (key == clientKey) {
            if ((ops & SelectionKey.OP_READ) != 0) {
                readClient();
            }
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                writeClient();
            }
        } else if (key == targetKey) {
            if ((ops & SelectionKey.OP_READ) != 0) {
                readTarget();
            }
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                writeTarget();
            }
        }
        readBufferedInput();
        finishIfDone();
    }

    /**
     * With GSS-API framing, what the client sent may wait in the framing with nothing left on the socket: whole
     * messages read in one socket read beyond what {@code up} took ({@link #readClient} stops after a few rounds),
     * the unwrapped rest of one, or the end of stream behind them. No readiness event would ever bring them, so
     * after every pass the relay takes them itself, without reading the socket (bounded by the framing's buffers),
     * until the framing holds no whole message or the target stops taking bytes; in the latter case the target's
     * write readiness brings the next pass. Then every byte the framing holds waits either for more from the socket
     * (a partial message) or for that event.
     */
    private void readBufferedInput() throws IOException {
        while (framing != null && !session.isClosed() && !clientEof && up.hasRemaining()
                && (framing.hasBufferedInput() || framing.atEnd())) {
            int n = framing.readBuffered(up);
            if (n < 0) {
                clientEof = true;
            } else {
                session.bytesUp += n;
            }
            writeTarget();
            if (up.position() > 0) {
                return;
            }
        }
    }

    private int readFromClient() throws IOException {
        return framing == null ? client.read(up) : framing.read(up);
    }

    /** Reads from the client and writes to the target while both go on without blocking (a few rounds at most). */
    private void readClient() throws IOException {
        for (int round = 0; round < PUMP_ROUNDS; round++) {
            int room = up.remaining();
            int n = readFromClient();
            if (n < 0) {
                clientEof = true;
            } else {
                session.bytesUp += n;
            }
            writeTarget();
            // A read that left room took all the socket had (plain; the framing reads ahead): another would
            // almost always fail with EAGAIN, and the selector reports whatever comes next.
            if (n <= 0 || up.position() > 0 || (framing == null && n < room)) {
                return;
            }
        }
    }

    private void readTarget() throws IOException {
        for (int round = 0; round < PUMP_ROUNDS; round++) {
            int room = down.remaining();
            int n = target.read(down);
            if (n < 0) {
                targetEof = true;
            } else {
                session.bytesDown += n;
            }
            writeClient();
            if (n <= 0 || down.position() > 0 || n < room) {
                return;
            }
        }
    }

    private void writeTarget() throws IOException {
        if (up.position() > 0) {
            up.flip();
            target.write(up);
            up.compact();
        }
        if (clientEof && up.position() == 0 && !targetOutputShut) {
            targetOutputShut = true;
            target.shutdownOutput();
        }
    }

    /** Writes what {@code down} holds to the client; passes on the target's end of stream. */
    private void writeClient() throws IOException {
        if (framing != null) {
            down.flip();
            framing.write(down);
            down.compact();
        } else if (down.position() > 0) {
            down.flip();
            client.write(down);
            down.compact();
        }
        if (targetEof && !clientOutputShut && down.position() == 0 && !pendingWrapped()) {
            clientOutputShut = true;
            client.shutdownOutput();
        }
    }

    private boolean pendingWrapped() {
        return framing != null && framing.hasPendingOutput();
    }

    private void finishIfDone() {
        if (clientEof && targetEof && up.position() == 0 && down.position() == 0 && !pendingWrapped()) {
            session.close(null);
        }
    }

    void updateInterest() {
        int c = !clientEof && up.hasRemaining() ? SelectionKey.OP_READ : 0;
        if (down.position() > 0 || pendingWrapped()) {
            c |= SelectionKey.OP_WRITE;
        }
        setOps(clientKey, c);
        setOps(targetKey, (!targetEof && down.hasRemaining() ? SelectionKey.OP_READ : 0)
                | (up.position() > 0 ? SelectionKey.OP_WRITE : 0));
    }

    private static void setOps(SelectionKey key, int ops) {
        if (key != null && key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }
}
