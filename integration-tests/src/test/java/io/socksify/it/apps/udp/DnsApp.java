package io.socksify.it.apps.udp;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import java.time.Duration;

/**
 * dnsjava, unchanged, asks a DNS server for A records: {@code DnsApp <server ip> <port> <name> <queries>}. Its
 * {@code SimpleResolver} sends each query over UDP on a non-blocking {@code DatagramChannel} (connected, on its own
 * selector thread). Prints {@code ANSWER <record>} for the last query and {@code OK}.
 */
public final class DnsApp {
    private DnsApp() {
    }

    public static void main(String[] args) throws Exception {
        SimpleResolver resolver = new SimpleResolver(args[0]);
        resolver.setPort(Integer.parseInt(args[1]));
        resolver.setTimeout(Duration.ofSeconds(5));
        int queries = Integer.parseInt(args[3]);
        Record answer = null;
        for (int i = 0; i < queries; i++) {
            Message query = Message.newQuery(Record.newRecord(Name.fromString(args[2]), Type.A, DClass.IN));
            Message response = resolver.send(query);
            answer = response.getSection(Section.ANSWER).get(0);
        }
        System.out.println("ANSWER " + answer);
        System.out.println("OK");
        System.exit(0);
    }
}
