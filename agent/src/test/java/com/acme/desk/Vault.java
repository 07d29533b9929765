package com.acme.desk;

import org.agenthypervisor.api.Ring;

/** Host code with privileged entry points: a static ring-1 method and a ring-0 constructor. */
public class Vault {
    public static int opened;

    @Ring(0)
    public Vault() {
        opened++;
    }

    @Ring(1)
    public static String approve(String refund) {
        return "approved " + refund;
    }
}
