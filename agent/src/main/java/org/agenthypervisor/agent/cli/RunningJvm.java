package org.agenthypervisor.agent.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.io.IOException;

/**
 * An operator's change to a running JVM: attaches to it by process id, starts its local JMX agent
 * (local connections only: the same user on the same machine, as the attach mechanism itself) and
 * calls an operation of the hypervisor's MXBean. The JMX connector's thread carries no agent
 * context, so the MXBean treats the call as the operator's.
 */
final class RunningJvm {
    /** The MXBean's name (JmxView.NAME; not referenced, to keep the CLI off the runtime's classes). */
    static final String MXBEAN = "org.agenthypervisor:type=Hypervisor";
    /** The agent registers its MXBean a couple of seconds after the JVM starts. */
    private static final long REGISTRATION_WAIT_MILLIS = 10_000;

    private RunningJvm() {
    }

    /** Calls {@code operation} on the hypervisor's MXBean in JVM {@code pid}; returns its result. */
    static Object invoke(String pid, String operation, Object[] arguments, String[] signature) {
        try (JMXConnector connector = connect(pid)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName name = awaitMxBean(pid, server);
            return server.invoke(name, operation, arguments, signature);
        } catch (MBeanException refused) {
            Throwable cause = refused.getCause() == null ? refused : refused.getCause();
            throw new HypervisorCommand.UsageError("JVM " + pid + " refused " + operation + ": " + cause.getMessage());
        } catch (javax.management.RuntimeMBeanException refused) {
            Throwable cause = refused.getCause() == null ? refused : refused.getCause();
            throw new HypervisorCommand.UsageError("JVM " + pid + " refused " + operation + ": " + cause.getMessage());
        } catch (HypervisorCommand.UsageError usage) {
            throw usage;
        } catch (Exception failure) {
            throw new HypervisorCommand.UsageError("cannot call " + operation + " in JVM " + pid + ": " + failure);
        }
    }

    /** Reads several attributes of the hypervisor's MXBean in JVM {@code pid} over one connection. */
    static java.util.Map<String, Object> attributes(String pid, String... names) {
        try (JMXConnector connector = connect(pid)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName name = awaitMxBean(pid, server);
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            for (String attribute : names) {
                out.put(attribute, server.getAttribute(name, attribute));
            }
            return out;
        } catch (HypervisorCommand.UsageError usage) {
            throw usage;
        } catch (Exception failure) {
            throw new HypervisorCommand.UsageError("cannot read " + String.join(", ", names) + " from JVM " + pid + ": "
                    + failure);
        }
    }

    /** An MXBean's {@code Map<String, String>}, which arrives as a table of (key, value) rows. */
    static java.util.Map<String, String> stringMap(Object attribute) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        if (attribute instanceof javax.management.openmbean.TabularData table) {
            for (Object row : table.values()) {
                javax.management.openmbean.CompositeData r = (javax.management.openmbean.CompositeData) row;
                out.put((String) r.get("key"), (String) r.get("value"));
            }
        }
        return out;
    }

    private static JMXConnector connect(String pid) throws IOException {
        if (!pid.matches("[0-9]{1,10}")) {
            throw new HypervisorCommand.UsageError("--pid must be a process id, was '" + pid + "'");
        }
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException | IOException failure) {
            throw new HypervisorCommand.UsageError("cannot attach to JVM " + pid + " (" + failure.getMessage()
                    + "): is it running as this user with the agent, and not started with -XX:+DisableAttachMechanism?");
        }
        return JMXConnectorFactory.connect(new JMXServiceURL(address));
    }

    private static ObjectName awaitMxBean(String pid, MBeanServerConnection server) throws Exception {
        ObjectName name = new ObjectName(MXBEAN);
        long deadline = System.nanoTime() + REGISTRATION_WAIT_MILLIS * 1_000_000;
        while (!server.isRegistered(name)) {
            if (System.nanoTime() > deadline) {
                throw new HypervisorCommand.UsageError("JVM " + pid + " has no " + MXBEAN + " MXBean: it does not run the"
                        + " Agent Hypervisor");
            }
            Thread.sleep(100);
        }
        return name;
    }
}
