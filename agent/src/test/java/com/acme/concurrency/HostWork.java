package com.acme.concurrency;

import java.util.concurrent.ExecutorService;

/** The host's rounds, between the agents'. */
public final class HostWork {
    public void round(ExecutorService shared) throws Exception {
        Round.run("host", true, shared);
    }
}
