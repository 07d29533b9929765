package com.acme.replica;

import com.acme.desk.Ledger;
import org.agenthypervisor.api.Agent;

/** A ring-1 agent that oversteps: its call of the ledger's ring-0 method is a ring violation, a slash. */
@Agent("teller")
public class Teller {
    public String overstep() {
        return new Ledger().rawSql("teller query");
    }
}
