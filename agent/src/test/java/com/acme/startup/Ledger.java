package com.acme.startup;

import org.agenthypervisor.api.Ring;

import java.util.concurrent.atomic.AtomicInteger;

/** A host class with a ring-0 method; counts how often its body really ran. */
public final class Ledger {
    public static final AtomicInteger WIPED = new AtomicInteger();

    private Ledger() {
    }

    @Ring(0)
    public static String wipe() {
        WIPED.incrementAndGet();
        return "wiped";
    }
}
