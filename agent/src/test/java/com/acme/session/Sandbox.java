package com.acme.session;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Session;

/** A ring-3 agent that tries to touch ring-protected session keys. */
@Agent("sandbox")
public class Sandbox {
    public long writeLedger() {
        return Session.current().state().put("ledger.balance", 0);
    }

    public Object readLedger() {
        return Session.current().state().get("ledger.balance");
    }

    public String notes() {
        Session.current().state().put("notes", "sandbox was here");
        return "noted";
    }
}
