package org.agenthypervisor.samples.springai;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import reactor.core.publisher.Flux;

/** The customer-facing service; the policy binds this class to the ring-3 agent {@code support}. */
public class SupportService {
    private final RefundTools tools;
    private final RemoteRefundsTool remote;

    public SupportService(RefundTools tools, RemoteRefundsTool remote) {
        this.tools = tools;
        this.remote = remote;
    }

    /** A blocking {@code ChatClient} call with the {@code @Tool} methods and the MCP-style callback. */
    public String ask(ChatModel model, String question) {
        return ChatClient.create(model).prompt().user(question).tools(tools).toolCallbacks(remote).call().content();
    }

    /**
     * Assembles a streamed call and returns it without subscribing: the caller subscribes, on its
     * own thread, and Spring AI runs the tools on {@code boundedElastic}.
     */
    public Flux<String> stream(ChatModel model, String question) {
        return ChatClient.create(model).prompt().user(question).tools(tools).toolCallbacks(remote).stream().content();
    }
}
