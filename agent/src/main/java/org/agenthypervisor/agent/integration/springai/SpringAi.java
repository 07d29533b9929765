package org.agenthypervisor.agent.integration.springai;

import org.agenthypervisor.agent.integration.Integration;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.core.policy.Policy;

import java.util.List;
import java.util.Set;

/**
 * The Spring AI integration (2.0.1). The dispatcher calls {@code toolCallback.call(arguments,
 * toolContext)} inside a lambda of {@code DefaultToolCallingManager.executeToolCall}; advising that
 * lambda puts the check right around the callback, outside Spring AI's handling of
 * {@code ToolExecutionException} (so {@code abort} leaves the ChatClient call), for every kind of
 * callback.
 */
public final class SpringAi implements Integration {
    @Override
    public String name() {
        return "Spring AI";
    }

    @Override
    public String policySwitch() {
        return "frameworks.springAi";
    }

    @Override
    public boolean enabled(Policy policy) {
        return policy.frameworks().springAi();
    }

    @Override
    public String versionResource() {
        return "META-INF/maven/org.springframework.ai/spring-ai-model/pom.properties";
    }

    @Override
    public Set<String> testedVersions() {
        return Set.of("2.0.1");
    }

    @Override
    public List<Target> targets() {
        return List.of(Target.of("org.springframework.ai.model.tool.DefaultToolCallingManager", "lambda$executeToolCall$*",
                "(Lorg/springframework/ai/tool/ToolCallback;Ljava/lang/String;Lorg/springframework/ai/chat/model/ToolContext;",
                advice("Tool"), "tools"));
    }

    /** The binary name of the advice class nested in {@code SpringAiAdvice} under {@code nested}: named, and loaded only to weave. */
    private static String advice(String nested) {
        return SpringAi.class.getPackageName() + ".SpringAiAdvice$" + nested;
    }
}
