package io.socksify.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CodecTest {
    @Test
    void anEmptyBufferIsAnIncompleteMessageWithoutAskingTheDecoder() throws Exception {
        ByteBuffer empty = ByteBuffer.allocate(16).position(16);
        assertNull(Codec.decode(empty, in -> fail("the decoder ran on an empty buffer")));
        assertEquals(16, empty.position());
        // Every message decoder goes through it: a CONNECT request on nothing is "not yet", as on a partial one.
        assertNull(Socks5CommandRequest.decode(ByteBuffer.allocate(0)));
        assertNull(Socks5CommandRequest.decode(ByteBuffer.wrap(new byte[] {5, 1, 0})));
    }
}
