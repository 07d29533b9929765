package com.acme.reliability;

import org.agenthypervisor.api.Saga;

/** One saga: some steps, then maybe a failure of the saga itself or of one of its steps. */
public final class Bookings {
    private Bookings() {
    }

    /**
     * @param steps       how many steps
     * @param failAfter   the saga throws after this many steps (-1: it completes)
     * @param failingStep this step throws instead of acting (-1: none)
     */
    @Saga("booking")
    public static void book(int steps, int failAfter, int failingStep) {
        for (int k = 1; k <= steps; k++) {
            if (k - 1 == failAfter) {
                throw new IllegalStateException("booking failed after " + failAfter + " step(s)");
            }
            Steps.act(k, k == failingStep);
        }
        if (failAfter == steps) {
            throw new IllegalStateException("booking failed after its " + steps + " step(s)");
        }
    }
}
