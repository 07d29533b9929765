package com.acme.session;

import org.agenthypervisor.api.Agent;

/** An agent whose trust (0.3 in the test policy) is below the sessions' minimum. */
@Agent("shaky")
public class Shaky {
    public String hello() {
        return "hello from shaky";
    }
}
