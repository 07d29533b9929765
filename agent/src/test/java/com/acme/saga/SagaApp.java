package com.acme.saga;

import org.agenthypervisor.api.CompensationFailedException;
import org.agenthypervisor.api.Hypervisor;

import java.io.BufferedReader;
import java.io.InputStreamReader;

/** The application the saga integration tests run under the agent; each argument is a scenario. */
public final class SagaApp {
    private SagaApp() {
    }

    public static void main(String[] args) throws Exception {
        Trips trips = new Trips();
        Events.result("main", "started");
        for (String scenario : args) {
            switch (scenario) {
                case "trip" -> Events.result(scenario, outcome(trips::bookTrip));
                case "restock" -> Events.result(scenario, outcome(trips::restock));
                case "delivery" -> {
                    Events.result(scenario, outcome(trips::deliver));
                    Events.result("courier-trust", Hypervisor.trust("courier"));
                }
                case "handled" -> Events.result(scenario, outcome(() -> Events.note("returned " + trips.handled())));
                case "parallel" -> Events.result(scenario, outcome(trips::parallel));
                case "crash" -> trips.crash();
                case "crash-safe" -> trips.crashWithSafe();
                case "register-safe" -> {
                    Events.result("before-factory", "registered");
                    Hypervisor.registerFactory(Safe.class, () -> new Safe("factory"));
                    Events.result("after-factory", "registered");
                }
                case "broken" -> {
                    Events.result(scenario, outcome(trips::broken));
                    new Broken().something("outside");
                }
                case "approval" -> {
                    Events.result(scenario, outcome(trips::approval));
                    Events.result("revoke-now", outcome(() -> trips.clerk.revokeNow("r-2")));
                }
                case "wait" -> {
                    System.out.println("READY");
                    System.out.flush();
                    new BufferedReader(new InputStreamReader(System.in)).readLine();
                }
                case "noop" -> { }
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
        }
        Events.result("main", "done");
    }

    interface Body {
        void run() throws Exception;
    }

    /** "returned", or the exception with its suppressed CompensationFailedExceptions. */
    static String outcome(Body body) {
        try {
            body.run();
            return "returned";
        } catch (Exception e) {
            StringBuilder out = new StringBuilder("threw " + e.getClass().getSimpleName() + ": " + e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                out.append(" | suppressed ").append(s.getClass().getSimpleName());
                if (s instanceof CompensationFailedException f) {
                    out.append(" saga=").append(f.sagaId()).append(" step=").append(f.stepId()).append(" method=")
                            .append(f.method()).append(" attempts=").append(f.attempts()).append(" cause=")
                            .append(f.getCause() == null ? null : f.getCause().getMessage());
                }
            }
            return out.toString();
        }
    }
}
