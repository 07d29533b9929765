package org.agenthypervisor.selfcheck;

import org.agenthypervisor.api.Ring;

/** Two guarded methods: one anyone may call, one only ring 0 may call. */
public final class Canary {
    private Canary() {
    }

    @Ring(3)
    public static int open() {
        return 1;
    }

    @Ring(0)
    public static int kernelOnly() {
        return 2;
    }
}
