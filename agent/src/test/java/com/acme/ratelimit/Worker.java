package com.acme.ratelimit;

import org.agenthypervisor.api.Agent;

/** The agent the router hands work to: its public methods are hand-off points. */
@Agent("worker")
public class Worker {
    public String handle(String job) {
        return "done " + job;
    }
}
