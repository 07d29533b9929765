package com.acme.liability;

import org.agenthypervisor.api.Agent;

import java.util.concurrent.atomic.AtomicInteger;

/** A peer with minTrust 0.5 in the tests' policy: refuses payloads vouched by low-trust agents. */
@Agent("peer")
public class Peer {
    public static final AtomicInteger RECEIVED = new AtomicInteger();

    public String receive(String payload) {
        RECEIVED.incrementAndGet();
        return "peer took " + payload;
    }
}
