package io.socksify.agent.bootstrap.dns;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticAddressesTest {

    @Test
    void theSameNameKeepsItsAddressWhateverItsCase() {
        SyntheticAddresses table = new SyntheticAddresses(10);
        InetAddress a = table.addressFor("example.com", false);
        InetAddress b = table.addressFor("EXAMPLE.com", false);
        InetAddress c = table.addressFor("other.example", false);
        assertEquals("example.com/198.18.0.1", a.toString());
        assertEquals("EXAMPLE.com/198.18.0.1", b.toString());
        assertEquals("other.example/198.18.0.2", c.toString());
        assertEquals(a, b);
        assertEquals("example.com", table.nameOf(new byte[] {(byte) 198, 18, 0, 1}));
        assertEquals(2, table.size());
    }

    @Test
    void ipv6PlaceholdersAreInTheDiscardPrefixWithTheSameIndex() {
        SyntheticAddresses table = new SyntheticAddresses(10);
        InetAddress v4 = table.addressFor("example.com", false);
        InetAddress v6 = table.addressFor("example.com", true);
        assertInstanceOf(Inet4Address.class, v4);
        assertInstanceOf(Inet6Address.class, v6);
        assertEquals("100:0:0:0:0:0:0:1", v6.getHostAddress());
        assertEquals("example.com", table.nameOf(v6));
        assertTrue(SyntheticAddresses.inRange(v6));
    }

    @Test
    void theRangeIs198Dot18Slash15WithoutItsEnds() throws Exception {
        assertTrue(SyntheticAddresses.inRange(InetAddress.getByName("198.18.0.0")));
        assertTrue(SyntheticAddresses.inRange(InetAddress.getByName("198.19.255.255")));
        assertFalse(SyntheticAddresses.inRange(InetAddress.getByName("198.20.0.1")));
        assertFalse(SyntheticAddresses.inRange(InetAddress.getByName("198.17.255.255")));
        assertFalse(SyntheticAddresses.inRange(InetAddress.getByName("::1")));
        assertArrayEquals(new byte[] {(byte) 198, 19, (byte) 255, (byte) 254},
                SyntheticAddresses.ipv4Bytes(SyntheticAddresses.CAPACITY));
        assertEquals(0, SyntheticAddresses.index(new byte[] {(byte) 198, 19, (byte) 255, (byte) 255}));
        assertEquals(0, SyntheticAddresses.index(new byte[] {(byte) 198, 18, 0, 0}));
        assertEquals(-1, SyntheticAddresses.index(new byte[] {10, 0, 0, 1}));
        assertEquals(131_070, SyntheticAddresses.CAPACITY);
    }

    @Test
    void anUnmappedAddressOfTheRangeHasNoName() {
        SyntheticAddresses table = new SyntheticAddresses(10);
        table.addressFor("example.com", false);
        assertNull(table.nameOf(new byte[] {(byte) 198, 18, 0, 2}));
        assertNull(table.nameOf(new byte[] {(byte) 198, 18, 0, 0}));
        assertNull(table.nameOf(new byte[] {127, 0, 0, 1}));
    }

    @Test
    void onlyAFullTableEvictsAndANameLookedUpAgainSurvivesTheHand() {
        SyntheticAddresses table = new SyntheticAddresses(3);
        table.addressFor("a", false);
        table.addressFor("b", false);
        table.addressFor("c", false);
        table.addressFor("a", false); // referenced: gets a second chance
        InetAddress d = table.addressFor("d", false);
        assertEquals("d/198.18.0.2", d.toString(), "b was the oldest name not used again");
        assertEquals(3, table.size());
        assertEquals("a", table.nameOf(new byte[] {(byte) 198, 18, 0, 1}));
        assertEquals("c", table.nameOf(new byte[] {(byte) 198, 18, 0, 3}));
        assertEquals("b/198.18.0.3", table.addressFor("b", false).toString(), "c went next");
    }

    @Test
    void growsPastItsFirstArray() {
        SyntheticAddresses table = new SyntheticAddresses(SyntheticAddresses.CAPACITY);
        for (int i = 1; i <= 1000; i++) {
            assertEquals(i, SyntheticAddresses.index(table.addressFor("n" + i, false).getAddress()));
        }
        assertEquals("n777", table.nameOf(SyntheticAddresses.ipv4Bytes(777)));
    }

    @Test
    void rejectsACapacityBeyondTheRange() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticAddresses(SyntheticAddresses.CAPACITY + 1));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticAddresses(0));
    }
}
