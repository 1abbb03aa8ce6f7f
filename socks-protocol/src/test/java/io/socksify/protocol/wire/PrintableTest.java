package io.socksify.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.socksify.protocol.client.SocksClientHandshake;
import io.socksify.protocol.client.SocksProxy;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PrintableTest {
    @Test
    void plainNamesStayAsTheyAre() {
        assertEquals("example.com", Printable.field("example.com"));
        assertEquals("alice@corp", Printable.field("alice@corp"));
        assertEquals("*.internal", Printable.field("*.internal"));
    }

    @Test
    void anythingElseIsQuotedWithControlAndNonAsciiCharactersEscaped() {
        assertEquals("\"a b\"", Printable.field("a b"));
        assertEquals("\"\"", Printable.field(""));
        assertEquals("\"evil\\x0aline\\x0d\\x1b[31m\\x00\\x7f\"", Printable.field("evil\nline\r\u001b[31m\0\u007f"));
        assertEquals("\"caf\\xe9 \\u202e \\ud83d\\ude00\"", Printable.field("caf\u00e9 \u202e \ud83d\ude00"));
        assertEquals("\"say \\\"hi\\\" \\\\o/\"", Printable.field("say \"hi\" \\o/"));
        assertEquals("\"plain\"", Printable.quote("plain"));
        assertEquals("null", Printable.field(null));
    }

    @Test
    void escapeKeepsQuotesButNoControlCharacter() {
        assertEquals("user \"x\"\\x0a", Printable.escape("user \"x\"\n"));
        assertEquals("same", Printable.escape("same"));
    }

    @Test
    void addressesRenderTheirHostNameAsAField() {
        assertEquals("\"a\\x0ab\":80", Printable.address(InetSocketAddress.createUnresolved("a\nb", 80)));
        assertEquals("example.com:443", Printable.address(InetSocketAddress.createUnresolved("example.com", 443)));
        assertEquals("[0:0:0:0:0:0:0:1]:80", Printable.address(new InetSocketAddress("::1", 80)));
        assertEquals("127.0.0.1:80", Printable.address(new InetSocketAddress("127.0.0.1", 80)));
    }

    @Test
    void aDecodedDomainNameRendersEscapedButStaysRaw() throws Exception {
        SocksAddress a = SocksAddress.decode(java.nio.ByteBuffer.wrap(new byte[] {3, 4, 'x', '\n', (byte) 0xff, 'y',
                0, 1}), "test");
        assertEquals("x\n\u00ffy", a.domain());
        assertEquals("\"x\\x0a\\xffy\":1", a.toString());
    }

    @Test
    void theClientsMessagesRenderTheHostNameTheApplicationGave() throws Exception {
        SocksProxy proxy = SocksProxy.of(SocksVersion.SOCKS5, new InetSocketAddress("127.0.0.1", 1080));
        InetSocketAddress evil = InetSocketAddress.createUnresolved("bank\r\nsocksify: forged", 443);
        // The context starts every message of the handshake's exceptions (SocksConnectException, UnknownHostException).
        String context = SocksClientHandshake.connect(proxy, evil).context();
        assertEquals("socks5://127.0.0.1:1080 => \"bank\\x0d\\x0asocksify: forged\":443", context);
    }
}
