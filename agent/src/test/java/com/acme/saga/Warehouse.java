package com.acme.saga;

import org.agenthypervisor.api.Compensate;

import java.util.concurrent.atomic.AtomicInteger;

/** A compensation that fails twice, then succeeds. */
public class Warehouse {
    static final AtomicInteger FAILURES_LEFT = new AtomicInteger(2);

    @Compensate("unreserve")
    public void reserve(String sku) {
        Events.note("reserve " + sku);
    }

    void unreserve(String sku) {
        if (FAILURES_LEFT.getAndDecrement() > 0) {
            Events.note("unreserve " + sku + " failed");
            throw new IllegalStateException("warehouse busy");
        }
        Events.note("unreserve " + sku);
    }
}
