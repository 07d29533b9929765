package org.agenthypervisor.samples.springai;

import org.springframework.ai.chat.client.ChatClient;
import reactor.core.publisher.Flux;

/** The operations service (the policy binds it to the ring-0 agent 'ops'). */
public class OpsService {
    private final RefundTools tools;

    public OpsService(RefundTools tools) {
        this.tools = tools;
    }

    public String ask(ScriptedChatModel model, String question) {
        return ChatClient.create(model).prompt().user(question).tools(tools).toolCallbacks(new RemoteRefundsTool())
                .call().content();
    }

    /** Returns the stream without subscribing: whoever subscribes, it runs as this service's agent. */
    public Flux<String> stream(ScriptedChatModel model, String question) {
        return ChatClient.create(model).prompt().user(question).tools(tools).stream().content();
    }
}
