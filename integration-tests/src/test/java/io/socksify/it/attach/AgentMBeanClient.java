package io.socksify.it.attach;

import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** A plain JMX client of a child JVM's {@code io.socksify:type=Agent}, as jconsole would be. */
final class AgentMBeanClient implements AutoCloseable {
    private final JMXConnector connector;
    private final MBeanServerConnection connection;
    private final ObjectName name;

    private AgentMBeanClient(JMXConnector connector) throws Exception {
        this.connector = connector;
        this.connection = connector.getMBeanServerConnection();
        this.name = new ObjectName("io.socksify:type=Agent");
    }

    static AgentMBeanClient connect(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        return new AgentMBeanClient(JMXConnectorFactory.connect(new JMXServiceURL(address)));
    }

    Object get(String attribute) throws Exception {
        return connection.getAttribute(name, attribute);
    }

    @Override
    public void close() throws Exception {
        connector.close();
    }
}
