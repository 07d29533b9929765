package com.acme.saga;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Compensate;

/** An agent whose compensation always fails: the saga escalates and the courier is liable. */
@Agent("courier")
public class Courier {
    @Compensate("recall")
    public void dispatch(String parcel) {
        Events.note("dispatch " + parcel);
    }

    public void recall(String parcel) {
        Events.note("recall " + parcel + " failed");
        throw new IllegalStateException("parcel already delivered");
    }
}
