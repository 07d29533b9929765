package com.acme.liability;

import org.agenthypervisor.api.Hypervisor;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The application of the liability integration tests. Each argument is a scenario that prints
 * {@code RESULT <name> <value>} lines.
 */
public final class LiabilityApp {
    private LiabilityApp() {
    }

    public static void main(String[] args) throws Exception {
        for (String scenario : args) {
            switch (scenario) {
                case "chain-violation" -> result(scenario, outcome(() -> new Intake().start("order-1")));
                case "report" -> result(scenario, outcome(() -> new Intake().relay("order-2")));
                case "handoff" -> result(scenario, outcome(() -> new Intake().relay("order-3")));
                case "refusal" -> {
                    result(scenario, outcome(() -> new Planner().forward(new Peer(), "order-4")));
                    result("peer-received", Peer.RECEIVED.get());
                }
                case "planner-forward" -> result(scenario, outcome(() -> new Planner().forward(new Peer(), "order-5")));
                case "impostor" -> result(scenario, outcome(() -> new Impostor().forward(new Peer(), "order-6")));
                case "approve" -> result(scenario, outcome(() -> new Approver().approve("r-1")));
                case "consult" -> result(scenario, outcome(() -> new Approver().consult("r-2")));
                case "diamond" -> result(scenario, outcome(() -> new Diamond.Coord().run()));
                case "trust" -> {
                    for (String agent : new String[] {"intake", "planner", "executor", "approver", "peer", "coord", "left",
                            "right", "source", "sink"}) {
                        result("trust-" + agent, Hypervisor.trust(agent));
                        result("ring-" + agent, Hypervisor.effectiveRing(agent));
                    }
                }
                case "wipes" -> result(scenario, Kernel.WIPES.get());
                case "jmx-set" -> result(scenario, jmxSetTrust("planner", 0.9, "cleared by ops"));
                case "jmx-set-by-agent" -> result(scenario, outcome(new Planner()::sabotage));
                case "wait" -> {
                    System.out.println("READY");
                    System.out.flush();
                    new BufferedReader(new InputStreamReader(System.in)).readLine();
                }
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }
    }

    static String jmxSetTrust(String agent, double value, String reason) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("org.agenthypervisor:type=Hypervisor");
        long deadline = System.currentTimeMillis() + 20_000;
        while (!server.isRegistered(name) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        return String.valueOf(server.invoke(name, "setTrust", new Object[] {agent, value, reason},
                new String[] {String.class.getName(), double.class.getName(), String.class.getName()}));
    }

    static String outcome(Callable<?> call) {
        try {
            return "allowed:" + call.call();
        } catch (SecurityException denied) {
            return "denied:" + denied.getClass().getSimpleName() + ":" + denied.getMessage();
        } catch (Exception failed) {
            return "failed:" + failed;
        }
    }

    static void result(String name, Object value) {
        System.out.println("RESULT " + name + " " + (value instanceof Double d ? String.format(Locale.ROOT, "%s", d) : value));
        System.out.flush();
    }
}
