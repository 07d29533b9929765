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
 * An offline model that plays a script: one tool call per turn, then a final answer. The turn is
 * the number of tool results the request carries, so the same script serves {@code call} and
 * {@code stream}. It keeps every prompt it received, so the application can show what the model
 * read after each tool call.
 */
public final class ScriptedChatModel implements ChatModel {
    /** A tool call the model makes: the tool's name as the model sees it, and JSON arguments. */
    public record Step(String tool, String arguments) {
    }

    private final List<Step> steps;
    private final String answer;
    private final List<Prompt> prompts = Collections.synchronizedList(new ArrayList<>());

    public ScriptedChatModel(String answer, Step... steps) {
        this.answer = answer;
        this.steps = List.of(steps);
    }

    /** A model that calls {@code tool} without arguments, then answers "done". */
    public static ScriptedChatModel calling(String tool) {
        return new ScriptedChatModel("done", new Step(tool, "{}"));
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        prompts.add(prompt);
        int turn = 0;
        for (Message m : prompt.getInstructions()) {
            if (m instanceof ToolResponseMessage response) {
                turn += response.getResponses().size();
            }
        }
        AssistantMessage message;
        if (turn < steps.size()) {
            Step step = steps.get(turn);
            message = AssistantMessage.builder().content("")
                    .toolCalls(List.of(new AssistantMessage.ToolCall("call-" + (turn + 1), "function", step.tool(),
                            step.arguments())))
                    .build();
        } else {
            message = new AssistantMessage(answer);
        }
        return new ChatResponse(List.of(new Generation(message)));
    }

    /** One chunk per turn; Spring AI aggregates the chunks and runs the tool calls between turns. */
    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.defer(() -> Flux.just(call(prompt)));
    }

    /** Without tool-calling options Spring AI silently drops the tools. */
    @Override
    public ChatOptions getOptions() {
        return ToolCallingChatOptions.builder().build();
    }

    /** Every prompt received, in order. */
    public List<Prompt> prompts() {
        return List.copyOf(prompts);
    }

    /** The tool results the model read, in order (the last prompt carries the whole turn's history). */
    public List<String> toolResponsesSeen() {
        List<Prompt> received = prompts();
        List<String> out = new ArrayList<>();
        if (received.isEmpty()) {
            return out;
        }
        for (Message m : received.get(received.size() - 1).getInstructions()) {
            if (m instanceof ToolResponseMessage response) {
                response.getResponses().forEach(r -> out.add(r.responseData()));
            }
        }
        return out;
    }
}
