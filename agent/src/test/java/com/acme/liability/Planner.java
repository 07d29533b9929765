package com.acme.liability;

import org.agenthypervisor.api.Agent;

/** B: plans and hands work to the executor, or forwards payloads to a peer. */
@Agent("planner")
public class Planner {
    private final Executor executor = new Executor();

    public String plan(String request) {
        return executor.execute(request);
    }

    public String relay(String request) {
        return executor.inspect(request, 0.8);
    }

    /** Hands what it holds to a peer (which may refuse it). */
    public String forward(Peer peer, String payload) {
        return peer.receive(payload);
    }

    /** A prompt-injected planner tries to slash the executor through the in-process MXBean. */
    public String sabotage() throws Exception {
        return LiabilityApp.jmxSetTrust("executor", 0.0, "sabotage");
    }
}
