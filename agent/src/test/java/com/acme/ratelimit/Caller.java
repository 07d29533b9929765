package com.acme.ratelimit;

import org.agenthypervisor.api.Agent;

import java.util.ArrayList;
import java.util.List;

/** An agent that reads the meter; the policy gives each caller its own rate. */
@Agent("caller")
public class Caller {
    /** Makes {@code n} calls as fast as it can and returns each outcome. */
    public List<String> burst(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(RateLimitApp.outcome(() -> new Meter().read()));
        }
        return out;
    }
}
