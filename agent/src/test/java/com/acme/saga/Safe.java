package com.acme.saga;

import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Hypervisor;

/** Needs its owner: no no-argument constructor, so recovery waits for a factory. */
public class Safe {
    private final String owner;

    public Safe(String owner) {
        this.owner = owner;
    }

    @Compensate("unlock")
    public void lock(String box) {
        Events.note(owner + " lock " + box + " step=" + Hypervisor.currentStep());
    }

    public void unlock(String box) {
        Events.note(owner + " unlock " + box + " step=" + Hypervisor.currentStep());
    }
}
