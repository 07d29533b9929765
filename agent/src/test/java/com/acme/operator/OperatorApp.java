package com.acme.operator;

import org.agenthypervisor.api.Hypervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The application of OperatorControlsIT. Each argument is a scenario that prints
 * {@code RESULT <name> <value>} lines; {@code wait} prints {@code READY <pid>} and waits for a line
 * on standard input (the test acts from the command line meanwhile).
 */
public final class OperatorApp {
    private static final BufferedReader IN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    private OperatorApp() {
    }

    public static void main(String[] args) throws Exception {
        Bot bot = new Bot();
        Clerk clerk = new Clerk();
        Intern intern = new Intern();
        int step = 0;
        for (String scenario : args) {
            step++;
            switch (scenario) {
                case "reach" -> result("reach", outcome(bot::reach));
                case "chat" -> result("chat-" + step, outcome(bot::chat));
                case "burst" -> {
                    // 20 denied calls as fast as the bot can make them: a model hammering a tool it may not use.
                    int violations = 0;
                    int quarantined = 0;
                    for (int i = 0; i < 20; i++) {
                        String o = outcome(bot::reach);
                        violations += o.startsWith("denied:RingViolationException") ? 1 : 0;
                        quarantined += o.startsWith("denied:AgentQuarantinedException") ? 1 : 0;
                    }
                    result("burst", "violations=" + violations + " quarantined=" + quarantined);
                }
                case "trust" -> {
                    for (String agent : new String[] {"bot", "clerk"}) {
                        result("trust-" + agent, Hypervisor.trust(agent));
                        result("ring-" + agent, Hypervisor.effectiveRing(agent));
                    }
                }
                case "cooldown" -> Thread.sleep(Long.getLong("cooldown.wait", 2_500));
                case "wait" -> pause("READY " + ProcessHandle.current().pid());
                case "refund" -> result("refund", outcome(() -> clerk.refund("r-7")));
                case "clerk" -> result("clerk-" + step, outcome(clerk::hello));
                case "pid" -> result("pid", ProcessHandle.current().pid());
                case "pay" -> {
                    long cents = 100L * step;
                    result("pay-" + step, outcome(() -> intern.pay("alice", cents)));
                }
                case "payouts" -> result("payouts", Payouts.RAN.get());
                case "open" -> result("open-" + step, outcome(intern::open));
                case "task" -> {
                    try (org.agenthypervisor.api.Session desk = Hypervisor.openSession("desk")) {
                        result("task", outcome(() -> bot.longTask(desk)));
                        result("after", desk.state().get("after") == null ? "absent" : "present");
                    }
                }
                case "elevated" -> {
                    // Under a short elevation: seal (outside --only) once, then open until the grant expires.
                    result("seal", outcome(intern::seal));
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    int allowed = 0;
                    String last;
                    while ((last = outcome(intern::open)).startsWith("allowed:") && System.nanoTime() < deadline) {
                        allowed++;
                        Thread.sleep(50);
                    }
                    result("open-allowed", allowed);
                    result("open-after", last);
                }
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }
    }

    /** Prints {@code line} and waits for the test's go-ahead on standard input. */
    static void pause(String line) throws IOException {
        System.out.println(line);
        System.out.flush();
        IN.readLine();
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
