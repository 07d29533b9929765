package com.acme.operator;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Saga;

/** Runs a two-step refund saga that pauses between its steps (the operator acts then). */
@Agent("clerk")
public class Clerk {
    @Saga("refund")
    public String refund(String id) throws Exception {
        Books books = new Books();
        books.reserve(id);
        OperatorApp.pause("PAUSED");
        books.book(id);
        return "refunded " + id;
    }

    public String hello() {
        return "hello from clerk";
    }
}
