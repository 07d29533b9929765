package org.agenthypervisor.samples.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * An offline language model that plays a script: each step answers one request, with tool calls
 * or a final text (or throws, a model that gives up). It records what it was sent, so the
 * application can show what the model saw: the tools offered and the tools' results.
 */
public final class ScriptedChatModel implements ChatModel {
    private final List<Function<ChatRequest, AiMessage>> steps;
    private final List<ChatRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private int next;

    @SafeVarargs
    public ScriptedChatModel(Function<ChatRequest, AiMessage>... steps) {
        this.steps = List.of(steps);
    }

    /** A step that calls tools: {@code name, jsonArguments, name, jsonArguments, ...}. */
    public static Function<ChatRequest, AiMessage> call(String... namesAndArguments) {
        return request -> {
            List<ToolExecutionRequest> calls = new ArrayList<>();
            for (int i = 0; i < namesAndArguments.length; i += 2) {
                calls.add(ToolExecutionRequest.builder().id("call-" + i + "-" + System.nanoTime())
                        .name(namesAndArguments[i]).arguments(namesAndArguments[i + 1]).build());
            }
            return AiMessage.from(calls);
        };
    }

    /** A step that answers with text. */
    public static Function<ChatRequest, AiMessage> answer(String text) {
        return request -> AiMessage.from(text);
    }

    @Override
    public synchronized ChatResponse doChat(ChatRequest request) {
        requests.add(request);
        if (next >= steps.size()) {
            return ChatResponse.builder().aiMessage(AiMessage.from("(the script is over)")).build();
        }
        return ChatResponse.builder().aiMessage(steps.get(next++).apply(request)).build();
    }

    /** The same script as a streaming model; each answer arrives on a thread of its own, as with a real provider. */
    public StreamingChatModel streaming() {
        ScriptedChatModel script = this;
        return new StreamingChatModel() {
            @Override
            public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
                Thread responder = new Thread(() -> {
                    try {
                        handler.onCompleteResponse(script.doChat(request));
                    } catch (RuntimeException failure) {
                        handler.onError(failure);
                    }
                }, "scripted-model-stream");
                responder.start();
            }
        };
    }

    /** The tool results in the last request: what the model saw of its tool calls. */
    public List<String> lastToolResults() {
        List<String> out = new ArrayList<>();
        if (requests.isEmpty()) {
            return out;
        }
        List<ChatMessage> messages = requests.get(requests.size() - 1).messages();
        for (ChatMessage m : messages) {
            if (m instanceof ToolExecutionResultMessage result) {
                out.add(result.text());
            }
        }
        return out;
    }

    /** The names of the tools offered in the first request. */
    public List<String> toolsOfferedFirst() {
        List<String> out = new ArrayList<>();
        if (!requests.isEmpty()) {
            for (ToolSpecification spec : requests.get(0).toolSpecifications()) {
                out.add(spec.name());
            }
        }
        Collections.sort(out);
        return out;
    }
}
