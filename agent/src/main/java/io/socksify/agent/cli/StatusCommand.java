package io.socksify.agent.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * {@code status <pid>}: prints the attributes of the target's {@code io.socksify:type=Agent} MBean, one
 * {@code Name: value} a line. It reaches the MBean through the target's local JMX connector, which the attach API
 * starts if it is not running yet (as {@code jconsole} does); starting it is what registers socksify's MBean in a
 * JVM started with {@code -javaagent}.
 */
final class StatusCommand {
    static final String MBEAN = "io.socksify:type=Agent";
    /** The order attributes are printed in; any others follow. */
    private static final List<String> ORDER = List.of("Version", "InstalledBy", "Routing", "Configuration", "Proxy",
            "Bypass", "Dns", "Udp", "Configurations", "ConnectionsRouted", "ConnectionsBypassed", "ConnectionsFailed",
            "FailuresByReason", "ConnectionsByAuthMethod", "LeaksBlocked", "UdpAssociations", "UdpDatagramsSent",
            "UdpDatagramsReceived", "UdpDatagramsDropped");

    private StatusCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 1) {
            err.println("socksify: usage: status <pid>");
            return 2;
        }
        String pid = AttachApi.pid(args[0], err);
        if (pid == null) {
            return 2;
        }
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException | IOException e) {
            err.println("socksify: cannot attach to process " + pid + ": " + e.getMessage());
            return 1;
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection connection = connector.getMBeanServerConnection();
            ObjectName name = new ObjectName(MBEAN);
            if (!connection.isRegistered(name)) {
                err.println("socksify: process " + pid + " has no " + MBEAN + " MBean: socksify is not in it"
                        + " (attach <pid> proxy=... adds it)");
                return 1;
            }
            List<String> names = new ArrayList<>();
            for (MBeanAttributeInfo attribute : connection.getMBeanInfo(name).getAttributes()) {
                names.add(attribute.getName());
            }
            names.sort((a, b) -> Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b))
                    : a.compareTo(b));
            out.println("socksify in process " + pid + ":");
            for (String attribute : names) {
                out.println("  " + attribute + ": " + format(connection.getAttribute(name, attribute)));
            }
            return 0;
        } catch (IOException | JMException e) {
            err.println("socksify: cannot read " + MBEAN + " of process " + pid + ": " + e);
            return 1;
        }
    }

    private static int rank(String attribute) {
        int i = ORDER.indexOf(attribute);
        return i < 0 ? ORDER.size() : i;
    }

    /** A map attribute (an MXBean's {@code TabularData} of key and value) prints as {@code {a=1, b=2}}. */
    static String format(Object value) {
        if (value instanceof TabularData table) {
            StringJoiner joined = new StringJoiner(", ", "{", "}");
            List<String> rows = new ArrayList<>();
            for (Object row : table.values()) {
                CompositeData data = (CompositeData) row;
                rows.add(data.get("key") + "=" + data.get("value"));
            }
            rows.sort(null);
            rows.forEach(joined::add);
            return joined.toString();
        }
        if (value instanceof String[] lines) {
            // The route table and the proxies: one entry a line, indented under the attribute.
            StringBuilder sb = new StringBuilder();
            for (String line : lines) {
                sb.append(System.lineSeparator()).append("    ").append(line);
            }
            return sb.toString();
        }
        return String.valueOf(value);
    }
}
