package com.acme.concurrency;

import org.agenthypervisor.api.Agent;

import java.util.concurrent.ExecutorService;

/** The low agent: its rounds run as 'low'. */
@Agent("low")
public final class LowAgent {
    public void round(ExecutorService shared) throws Exception {
        Round.run("low", false, shared);
    }
}
