package com.acme.concurrency;

import org.agenthypervisor.api.Hypervisor;
import org.agenthypervisor.api.Ring;

import java.util.concurrent.atomic.LongAdder;

/** Governed entry points (a plain class: runs as its caller) that count who the hypervisor says the caller is. */
public final class Vault {
    static final LongAdder CALLS = new LongAdder();
    static final LongAdder MISATTRIBUTED = new LongAdder();

    private Vault() {
    }

    /** Any ring may read. */
    @Ring(3)
    public static int read(String expected) {
        return check(expected);
    }

    /** Ring 2 and better: the low agent never calls it, so a denial here means a call was taken for the low agent. */
    @Ring(2)
    public static int write(String expected) {
        return check(expected);
    }

    private static int check(String expected) {
        CALLS.increment();
        if (!expected.equals(Hypervisor.currentAgent())) {
            MISATTRIBUTED.increment();
        }
        return 1;
    }
}
