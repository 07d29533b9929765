package com.acme.escape;

import org.agenthypervisor.api.Ring;

/** A class with a ring-0 method that the intruder defines again as a hidden class from its bytes. */
public class Replica {
    @Ring(0)
    public String drop() {
        Vault.DROPPED.incrementAndGet();
        return "dropped by a hidden copy";
    }
}
