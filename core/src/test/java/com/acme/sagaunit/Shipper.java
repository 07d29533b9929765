package com.acme.sagaunit;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Compensate;

/** An agent whose step can never be undone. */
@Agent("shipper")
public class Shipper {
    @Compensate("recall")
    public void dispatch(String parcel) {
        Bank.LOG.add("dispatch " + parcel);
    }

    public void recall(String parcel) {
        Bank.LOG.add("recall failed " + parcel);
        throw new IllegalStateException("already delivered");
    }
}
