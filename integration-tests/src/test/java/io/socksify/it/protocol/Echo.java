package io.socksify.it.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Round trips through an echo target. */
final class Echo {
    private Echo() {
    }

    /** Writes {@code text} and expects the same bytes back within 10 s. */
    static void roundTrip(Socket socket, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        assertArrayEquals(bytes, socket.getInputStream().readNBytes(bytes.length), "echo of " + text);
    }
}
