package com.acme.desk;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Ring;

import java.util.concurrent.atomic.AtomicInteger;

/** A ring-0 agent that runs raw SQL. */
@Agent("ledger")
public class Ledger {
    /** How many times the body of {@link #rawSql} actually ran. */
    public static final AtomicInteger EXECUTED = new AtomicInteger();

    @Ring(0)
    public String rawSql(String query) {
        EXECUTED.incrementAndGet();
        return "rows for " + query;
    }

    /** The ledger calling its own ring-0 method. */
    public String reconcile() {
        return rawSql("reconcile");
    }
}
