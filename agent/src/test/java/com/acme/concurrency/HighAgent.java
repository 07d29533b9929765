package com.acme.concurrency;

import org.agenthypervisor.api.Agent;

import java.util.concurrent.ExecutorService;

/** The high agent: its rounds run as 'high'. */
@Agent("high")
public final class HighAgent {
    public void round(ExecutorService shared) throws Exception {
        Round.run("high", true, shared);
    }
}
