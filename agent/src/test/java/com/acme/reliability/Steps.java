package com.acme.reliability;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Hypervisor;

/** Static steps (recovery needs no instance), slow enough that kills land inside them and inside compensations. */
public final class Steps {
    private Steps() {
    }

    /** The side effect, unless the step is the one that fails (a failed step is never compensated). */
    @Compensate("undo")
    public static int act(int k, boolean fail) {
        pause(2);
        if (fail) {
            throw new IllegalStateException("step " + k + " failed");
        }
        Effects.append("DO", Hypervisor.currentStep());
        pause(3);
        return k;
    }

    /** Idempotent by step id, as compensations must be: a rerun after a crash finds its effect done. */
    static void undo(int k, boolean fail) {
        String step = Hypervisor.currentStep();
        pause(25);
        if (Effects.undone(step)) {
            Effects.append("RERUN", step);
        } else {
            Effects.append("UNDO", step);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
