package org.agenthypervisor.agent.integration.jdk;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.bridge.Management;

import java.util.List;

/**
 * {@code ManagementFactory.getPlatformMBeanServer()}: when anything in the JVM creates the platform
 * MBean server (the application, a JMX agent, an operator attaching with the command line), the
 * hypervisor's MXBean is registered at once instead of after its start-up delay. Governs nothing.
 */
public final class PlatformMBeanServer extends JdkIntegration {
    @Override
    public String name() {
        return "JDK platform MBean server";
    }

    @Override
    public boolean weavesUnloadedJdkClassesOnLoad() {
        return true;
    }

    @Override
    public List<Target> targets() {
        return List.of(Target.of("java.lang.management.ManagementFactory", "getPlatformMBeanServer", "()",
                advice("ServerObtained"), "the MXBean's registration"));
    }

    /** The binary name of the advice class nested here under {@code nested}: named, and loaded only to weave. */
    private static String advice(String nested) {
        return PlatformMBeanServer.class.getName() + "$" + nested;
    }

    public static final class ServerObtained {
        private ServerObtained() {
        }

        @Advice.OnMethodExit
        static void exit() {
            Management.platformServerStarted();
        }
    }
}
