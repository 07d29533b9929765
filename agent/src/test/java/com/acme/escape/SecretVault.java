package com.acme.escape;

import org.agenthypervisor.api.Ring;

/** A ring-0 method that attackers try to reach by defining a copy of this class themselves. */
public class SecretVault {
    @Ring(0)
    public static String open() {
        return "vault opened";
    }
}
