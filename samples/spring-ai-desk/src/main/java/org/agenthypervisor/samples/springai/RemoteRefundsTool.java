package org.agenthypervisor.samples.springai;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tool with no Java method of its own, as Spring AI's MCP tool callbacks are: its body is a call
 * to a remote server (here, a counter).
 */
public class RemoteRefundsTool implements ToolCallback {
    public static final AtomicInteger DELETIONS = new AtomicInteger();

    @Override
    public ToolDefinition getToolDefinition() {
        return ToolDefinition.builder().name("refunds.deleteAll").description("Deletes every refund (remote)")
                .inputSchema("{\"type\":\"object\",\"properties\":{}}").build();
    }

    @Override
    public String call(String toolInput) {
        DELETIONS.incrementAndGet();
        return "all refunds deleted remotely";
    }
}
