package com.acme.ratelimit;

/** A plain class whose read() the policy governs (ring 3): every agent may call it, within its rate. */
public class Meter {
    public String read() {
        return "42";
    }
}
