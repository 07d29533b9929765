package com.acme.liability;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Hypervisor;

/** C: executes plans; a compromised executor tries the kernel. */
@Agent("executor")
public class Executor {
    public String execute(String plan) {
        return Kernel.wipe(plan);
    }

    /** Flags the payload it received as anomalous: its chain is slashed, it is not. */
    public String inspect(String payload, double severity) {
        Hypervisor.reportAnomaly("payload failed validation: " + payload, severity);
        return "flagged " + payload;
    }
}
