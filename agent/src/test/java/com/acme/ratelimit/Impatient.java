package com.acme.ratelimit;

import org.agenthypervisor.api.Agent;

import java.util.ArrayList;
import java.util.List;

/** An agent that reads the meter (see RateLimitsIT's policy for its limit). */
@Agent("impatient")
public class Impatient {
    public List<String> burst(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(RateLimitApp.outcome(() -> new Meter().read()));
        }
        return out;
    }
}
