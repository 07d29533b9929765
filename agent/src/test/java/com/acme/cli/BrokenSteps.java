package com.acme.cli;

import org.agenthypervisor.api.Compensate;

/** A step whose compensation does not exist: {@code policy check} must report it. */
public class BrokenSteps {
    @Compensate("undoCharge")
    public String charge(String account, long cents) {
        return account + cents;
    }

    /** Wrong parameters: (String) instead of (String, long). */
    public void undoCharge(String account) {
    }
}
