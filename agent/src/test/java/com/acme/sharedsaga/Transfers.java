package com.acme.sharedsaga;

import org.agenthypervisor.api.Saga;

import java.util.concurrent.CountDownLatch;

/** One saga: {@code steps} legs, then it returns, or (hang) waits for ever inside the saga. */
public final class Transfers {
    private Transfers() {
    }

    /** {@code steps - 1} legs, then one that hangs inside its body (in doubt when the JVM is killed). */
    @Saga("transfer")
    public static String transferStuck(int steps) throws InterruptedException {
        for (int k = 1; k < steps; k++) {
            Legs.leg(k);
        }
        return Legs.stuck(steps);
    }

    /** @return the last leg's step id */
    @Saga("transfer")
    public static String transfer(int steps, boolean hang) throws InterruptedException {
        String last = null;
        for (int k = 1; k <= steps; k++) {
            last = Legs.leg(k);
        }
        if (hang) {
            SagaReplicaApp.say("HUNG " + last);
            new CountDownLatch(1).await(); // killed here
        }
        return last;
    }
}
