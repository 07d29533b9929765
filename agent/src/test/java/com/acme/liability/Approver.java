package com.acme.liability;

import org.agenthypervisor.api.Agent;

/** A ring-1 agent: signs with the kernel's ring-1 operation, and asks the executor to check things. */
@Agent("approver")
public class Approver {
    private final Executor executor = new Executor();

    public String approve(String what) {
        return Kernel.sign(what);
    }

    /** Sends a payload the executor flags (severity 0.3): the approver, at distance 1, drops to 0.7. */
    public String consult(String what) {
        return executor.inspect(what, 0.3);
    }
}
