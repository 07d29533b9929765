package com.acme.jmx;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;

/**
 * {@code self}: obtains the platform MBean server itself, then waits up to 60 s for the hypervisor's
 * MXBean and prints whether it came and its mode. {@code wait}: never touches JMX; prints
 * {@code READY <pid>} and waits for a line on standard input.
 */
public final class JmxApp {
    private JmxApp() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "self" -> {
                MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                ObjectName name = new ObjectName("org.agenthypervisor:type=Hypervisor");
                long deadline = System.currentTimeMillis() + 60_000;
                while (!server.isRegistered(name) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                boolean registered = server.isRegistered(name);
                System.out.println("RESULT registered " + registered);
                System.out.println("RESULT mode " + (registered ? server.getAttribute(name, "Mode") : "none"));
            }
            case "wait" -> {
                System.out.println("READY " + ProcessHandle.current().pid());
                System.out.flush();
                new BufferedReader(new InputStreamReader(System.in)).readLine();
                System.out.println("RESULT done true");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
