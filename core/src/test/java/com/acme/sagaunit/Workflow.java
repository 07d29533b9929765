package com.acme.sagaunit;

import org.agenthypervisor.api.Saga;

/** Saga boundaries for the unit tests; the harness runs the test's lambda as their body. */
public class Workflow {
    @Saga("transfer")
    public void transfer() {
    }

    @Saga("inner")
    public void inner() {
    }
}
