package org.agenthypervisor.samples.springai;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tool with no Java method of its own, as Spring AI's MCP tool callbacks are: the model sees the
 * name {@code refunds.deleteAll}, and the body would be a call to a remote server (here, a counter).
 */
public class RemoteRefundsTool implements ToolCallback {
    /** How often the body ran. */
    public static final AtomicInteger DELETIONS = new AtomicInteger();

    private static final ToolDefinition DEFINITION = ToolDefinition.builder()
            .name("refunds.deleteAll")
            .description("Deletes every refund on the remote refunds server")
            .inputSchema("{\"type\":\"object\",\"properties\":{}}")
            .build();

    @Override
    public ToolDefinition getToolDefinition() {
        return DEFINITION;
    }

    @Override
    public String call(String toolInput) {
        DELETIONS.incrementAndGet();
        return "all refunds deleted on the remote server";
    }
}
