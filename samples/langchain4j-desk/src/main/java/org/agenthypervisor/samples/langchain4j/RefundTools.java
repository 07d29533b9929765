package org.agenthypervisor.samples.langchain4j;

import dev.langchain4j.agent.tool.Tool;

import java.util.concurrent.atomic.AtomicInteger;

/** The tools both assistants are given (one instance). Each counts how often its body ran. */
public class RefundTools {
    public static final AtomicInteger LOOKUPS = new AtomicInteger();
    public static final AtomicInteger DELETIONS = new AtomicInteger();

    @Tool("Looks a refund up by its id")
    public String lookupRefund(String id) {
        LOOKUPS.incrementAndGet();
        return "refund " + id + ": 40 EUR, open";
    }

    @Tool("Deletes every refund in the system")
    public String deleteAllRefunds() {
        DELETIONS.incrementAndGet();
        return "all refunds deleted";
    }
}
