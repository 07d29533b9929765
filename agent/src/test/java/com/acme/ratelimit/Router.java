package com.acme.ratelimit;

import org.agenthypervisor.api.Agent;

import java.util.ArrayList;
import java.util.List;

/** An agent that hands jobs to the worker; the policy limits its hand-offs. */
@Agent("router")
public class Router {
    public List<String> dispatch(Worker worker, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String job = "job-" + i;
            out.add(RateLimitApp.outcome(() -> worker.handle(job)));
        }
        return out;
    }
}
