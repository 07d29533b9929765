package com.acme.ratelimit;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * The application of RateLimitsIT. Each argument is a scenario that prints
 * {@code RESULT <name> <value>} lines.
 */
public final class RateLimitApp {
    private RateLimitApp() {
    }

    public static void main(String[] args) throws Exception {
        for (String scenario : args) {
            switch (scenario) {
                case "burst" -> {
                    Caller caller = new Caller();
                    long start = System.nanoTime();
                    List<String> outcomes = caller.burst(100);
                    long micros = (System.nanoTime() - start) / 1_000;
                    summary("burst", outcomes);
                    result("burst-micros", micros);
                }
                case "later" -> {
                    Thread.sleep(1_100);
                    summary("later", new Caller().burst(1));
                }
                case "patient" -> {
                    Patient patient = new Patient();
                    long start = System.nanoTime();
                    summary("patient", patient.burst(2));
                    result("patient-millis", (System.nanoTime() - start) / 1_000_000);
                }
                case "impatient" -> summary("impatient", new Impatient().burst(2));
                case "drifter" -> summary("drifter", new Drifter().burst(5));
                case "handoffs" -> summary("handoffs", new Router().dispatch(new Worker(), 5));
                case "counters" -> result("counters-rateLimited", counter("rateLimited"));
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }
    }

    /** A counter of the hypervisor's MXBean, as a monitoring tool would read it. */
    static Object counter(String name) throws Exception {
        javax.management.ObjectName bean = new javax.management.ObjectName("org.agenthypervisor:type=Hypervisor");
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        for (int i = 0; i < 100 && !server.isRegistered(bean); i++) {
            Thread.sleep(100);
        }
        var counters = (javax.management.openmbean.TabularData) server.getAttribute(bean, "Counters");
        return counters.get(new Object[] {name}).get("value");
    }

    /** Prints how many calls were allowed and refused, and the first refusal. */
    static void summary(String name, List<String> outcomes) {
        long allowed = outcomes.stream().filter(o -> o.startsWith("allowed:")).count();
        long limited = outcomes.stream().filter(o -> o.startsWith("denied:RateLimitedException:")).count();
        result(name, "allowed=" + allowed + " limited=" + limited + " other=" + (outcomes.size() - allowed - limited));
        outcomes.stream().filter(o -> !o.startsWith("allowed:")).findFirst().ifPresent(o -> result(name + "-refusal", o));
        result(name + "-last", outcomes.get(outcomes.size() - 1));
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
        System.out.println("RESULT " + name + " " + value);
        System.out.flush();
    }
}
