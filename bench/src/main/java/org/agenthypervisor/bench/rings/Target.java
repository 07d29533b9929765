package org.agenthypervisor.bench.rings;

import org.agenthypervisor.api.Ring;

/** Host code with one guarded and one plain method of identical bodies. */
public class Target {
    private int state = 17;

    public int plain(int x) {
        return state = state * 31 + x;
    }

    @Ring(3)
    public int guarded(int x) {
        return state = state * 31 + x;
    }

    @Ring(0)
    public int kernel(int x) {
        return state = state * 31 + x;
    }
}
