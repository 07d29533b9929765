package com.acme.concurrency;

import org.agenthypervisor.api.Agent;

import java.util.concurrent.ExecutorService;

/** The mid agent: its rounds run as 'mid'. */
@Agent("mid")
public final class MidAgent {
    public void round(ExecutorService shared) throws Exception {
        Round.run("mid", true, shared);
    }
}
