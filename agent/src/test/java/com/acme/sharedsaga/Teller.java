package com.acme.sharedsaga;

import org.agenthypervisor.api.Agent;

/**
 * An agent that runs transfers itself, with no network capability but its model's: the hypervisor's
 * own connection to the store must not be opened (or denied) as this agent's.
 */
@Agent("teller")
public class Teller {
    public String transfer(int legs) throws InterruptedException {
        return Transfers.transfer(legs, false);
    }
}
