package org.agenthypervisor.samples.springai;

import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

import java.util.concurrent.atomic.AtomicInteger;

/** Spring AI {@code @Tool} methods, shared by every service; each counts how often its body ran. */
public class RefundTools {
    public static final AtomicInteger LOOKUPS = new AtomicInteger();
    public static final AtomicInteger DELETIONS = new AtomicInteger();

    @Tool(description = "Looks a refund up by its id")
    public String lookupRefund(@ToolParam(description = "the refund's id") String id) {
        LOOKUPS.incrementAndGet();
        return "refund " + id + ": 40.00 EUR, open";
    }

    @Tool(description = "Deletes every refund in the system")
    public String deleteAllRefunds() {
        DELETIONS.incrementAndGet();
        return "all refunds deleted";
    }
}
