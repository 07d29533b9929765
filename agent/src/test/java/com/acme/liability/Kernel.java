package com.acme.liability;

import org.agenthypervisor.api.Ring;

import java.util.concurrent.atomic.AtomicInteger;

/** Privileged operations of no agent: whoever calls them needs the ring. */
public final class Kernel {
    public static final AtomicInteger WIPES = new AtomicInteger();

    private Kernel() {
    }

    @Ring(0)
    public static String wipe(String what) {
        WIPES.incrementAndGet();
        return "wiped " + what;
    }

    @Ring(1)
    public static String sign(String what) {
        return "signed " + what;
    }
}
