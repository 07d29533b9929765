package org.agenthypervisor.samples.springai;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An offline model: the first request gets a call of {@code tool}, the next a final answer. It keeps
 * the tool responses it was sent, so the application can show what the model saw.
 */
public final class ScriptedChatModel implements ChatModel {
    private final String tool;
    private final List<String> toolResponses = Collections.synchronizedList(new ArrayList<>());

    public ScriptedChatModel(String tool) {
        this.tool = tool;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        boolean answered = false;
        for (Message m : prompt.getInstructions()) {
            if (m instanceof ToolResponseMessage response) {
                answered = true;
                response.getResponses().forEach(r -> toolResponses.add(r.responseData()));
            }
        }
        AssistantMessage message = answered ? new AssistantMessage("done")
                : AssistantMessage.builder().content("")
                        .toolCalls(List.of(new AssistantMessage.ToolCall("call-1", "function", tool, "{}"))).build();
        return new ChatResponse(List.of(new Generation(message)));
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.defer(() -> Flux.just(call(prompt)));
    }

    /** Without tool-calling options Spring AI silently drops the tools. */
    @Override
    public ChatOptions getOptions() {
        return ToolCallingChatOptions.builder().build();
    }

    /** What the model was sent as tool results. */
    public List<String> toolResponses() {
        return List.copyOf(toolResponses);
    }
}
