package com.acme.desk;

import org.agenthypervisor.api.Agent;

/** A ring-1 agent whose trust (0.9 in the test policies) demotes it below ring 1. */
@Agent("billing")
public class Billing {
    public String approve(String refund) {
        return Vault.approve(refund);
    }

    public String archive() {
        return new Archive().read("r-1");
    }
}
