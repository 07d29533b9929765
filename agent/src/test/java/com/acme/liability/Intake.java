package com.acme.liability;

import org.agenthypervisor.api.Agent;

/** First agent of the A -> B -> C chain: takes requests from the host and hands them on. */
@Agent("intake")
public class Intake {
    private final Planner planner = new Planner();

    public String start(String request) {
        return planner.plan("plan for " + request);
    }

    public String relay(String request) {
        return planner.relay(request);
    }
}
