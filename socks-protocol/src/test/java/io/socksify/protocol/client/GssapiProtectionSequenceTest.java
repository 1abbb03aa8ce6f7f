package io.socksify.protocol.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socksify.protocol.wire.Socks5GssapiEncapsulation;
import io.socksify.protocol.wire.Socks5GssapiProtectionLevel;
import io.socksify.protocol.wire.SocksProtocolException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.ietf.jgss.GSSContext;
import org.ietf.jgss.MessageProp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * JGSS does not throw on a replayed, old, reordered or missing-before token: it sets the supplementary states in
 * {@link MessageProp}. A stand-in {@link GSSContext} sets them, through {@code JgssMechanism}'s context, to see that
 * a TCP stream refuses every one and a UDP datagram refuses a replayed or old one only.
 */
class GssapiProtectionSequenceTest {
    private static final byte[] PLAIN = {1, 2, 3};

    @ParameterizedTest
    @CsvSource({"true,false,false,false", "false,true,false,false", "false,false,true,false",
            "false,false,false,true"})
    void aTcpStreamRefusesAnyTokenOutOfSequence(boolean duplicate, boolean old, boolean unseq, boolean gap)
            throws Exception {
        GssapiProtection p = protection(duplicate, old, unseq, gap);
        SocksProtocolException e = assertThrows(SocksProtocolException.class,
                () -> p.unwrap(new Socks5GssapiEncapsulation(PLAIN)));
        assertTrue(e.getMessage().contains("out of sequence"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"true,false,false,false,true", "false,true,false,false,true", "false,false,true,false,false",
            "false,false,false,true,false"})
    void aDatagramIsDroppedWhenReplayedOrOldOnly(boolean duplicate, boolean old, boolean unseq, boolean gap,
            boolean dropped) throws Exception {
        GssapiProtection p = protection(duplicate, old, unseq, gap);
        ByteBuffer datagram = ByteBuffer.wrap(new Socks5GssapiEncapsulation(PLAIN).toBytes());
        if (dropped) {
            assertThrows(SocksProtocolException.class, () -> p.unwrapDatagram(datagram));
        } else {
            assertArrayEquals(PLAIN, p.unwrapDatagram(datagram));
        }
    }

    @ParameterizedTest
    @CsvSource({"false,false,false,false"})
    void aTokenInSequenceUnwraps(boolean duplicate, boolean old, boolean unseq, boolean gap) throws Exception {
        assertArrayEquals(PLAIN, protection(duplicate, old, unseq, gap).unwrap(new Socks5GssapiEncapsulation(PLAIN)));
    }

    private static GssapiProtection protection(boolean duplicate, boolean old, boolean unseq, boolean gap)
            throws Exception {
        GSSContext fake = (GSSContext) Proxy.newProxyInstance(GssapiProtectionSequenceTest.class.getClassLoader(),
                new Class<?>[] {GSSContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "isEstablished" -> true;
                    case "getWrapSizeLimit" -> 1000;
                    // The states GssapiProtection requires of a context before it encapsulates.
                    case "getIntegState", "getReplayDetState", "getSequenceDetState" -> true;
                    case "unwrap" -> {
                        MessageProp prop = (MessageProp) args[3];
                        prop.setPrivacy(false);
                        prop.setSupplementaryStates(duplicate, old, unseq, gap, 0, null);
                        yield Arrays.copyOfRange((byte[]) args[0], (int) args[1], (int) args[1] + (int) args[2]);
                    }
                    case "toString" -> "fake GSSContext";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return GssapiProtection.of(fake, Socks5GssapiProtectionLevel.INTEGRITY);
    }
}
