package com.acme.saga;

import org.agenthypervisor.api.Compensate;

/** A compensable method whose compensation does not exist: refused inside a saga, fine outside. */
public class Broken {
    @Compensate("undoSomething")
    public void something(String x) {
        Events.note("something " + x);
    }
}
