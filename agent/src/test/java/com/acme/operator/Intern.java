package com.acme.operator;

import org.agenthypervisor.api.Agent;

/** A ring-3 agent (the default grant) that needs the vault now and then: what an operator elevates. */
@Agent("intern")
public class Intern {
    public String open() {
        return new Vault().open();
    }

    public String seal() {
        return new Vault().seal();
    }

    public String pay(String to, long cents) {
        return new Payouts().pay(to, cents);
    }
}
