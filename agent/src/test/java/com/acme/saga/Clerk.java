package com.acme.saga;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Compensate;
import org.agenthypervisor.api.Ring;

/** An agent granted ring 1 whose compensation needs ring 1: it must run even after the clerk is demoted. */
@Agent("clerk")
public class Clerk {
    @Compensate("revoke")
    public void approve(String id) {
        Events.note("approve " + id);
    }

    @Ring(1)
    public void revoke(String id) {
        Events.note("revoke " + id);
    }

    /** The clerk calling its ring-1 method itself, with its current privileges. */
    public void revokeNow(String id) {
        revoke(id);
    }
}
