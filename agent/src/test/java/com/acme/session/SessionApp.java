package com.acme.session;

import com.acme.desk.Outcome;
import org.agenthypervisor.api.Hypervisor;
import org.agenthypervisor.api.Session;

/**
 * Agents sharing a refund case through a session. Each argument names a scenario; each scenario
 * prints {@code RESULT <name> <outcome>}.
 */
public final class SessionApp {
    private SessionApp() {
    }

    public static void main(String[] args) throws Exception {
        Planner planner = new Planner();
        Reviewer reviewer = new Reviewer();
        Sandbox sandbox = new Sandbox();
        Shaky shaky = new Shaky();
        for (String scenario : args) {
            switch (scenario) {
                case "share" -> {
                    Session kept;
                    try (Session s = Hypervisor.openSession("refund-42")) {
                        kept = s;
                        result("session-id", s.id());
                        result("host-current", Session.current().id());
                        result("planner-session", planner.open("refund 42 EUR for order 7"));
                        result("reviewer-read", reviewer.readCase());
                        result("reviewer-executor", Outcome.of(reviewer::inExecutor));
                        result("host-executor", Outcome.of(() -> {
                            var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
                            try {
                                return pool.submit(() -> Session.current().id() + "|" + reviewer.readCase()).get();
                            } finally {
                                pool.shutdown();
                            }
                        }));
                        String[] inThread = new String[1];
                        Thread t = new Thread(() -> inThread[0] = String.valueOf(Session.current() == null ? null : Session.current().id()));
                        t.start();
                        t.join();
                        result("host-thread", inThread[0]);
                        long seen = reviewer.caseVersion();
                        result("seen-version", seen);
                        result("amended-version", planner.amend("refund 40 EUR for order 7"));
                        result("stale-cas", reviewer.casCase(seen, "reviewer's stale edit"));
                        result("fresh-cas", reviewer.casCase(reviewer.caseVersion(), "approved: refund 40 EUR"));
                        result("final-case", s.state().get("case"));
                        result("sandbox-ledger-write", Outcome.of(sandbox::writeLedger));
                        result("sandbox-ledger-read", Outcome.of(sandbox::readLedger));
                        result("sandbox-notes", Outcome.of(sandbox::notes));
                        result("shaky", Outcome.of(shaky::hello));
                        result("steps", planner.steps(12));
                        result("participants", String.join(",", s.participants()));
                    }
                    result("closed", kept.isClosed());
                    result("current-after-close", String.valueOf(Session.current()));
                    result("write-after-close", Outcome.of(() -> planner.amendVia(kept, "too late")));
                    result("host-write-after-close", Outcome.of(() -> kept.state().put("case", "too late")));
                }
                case "shaky-outside" -> result(scenario, Outcome.of(shaky::hello));
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }
    }

    static void result(String name, Object value) {
        System.out.println("RESULT " + name + " " + value);
    }
}
