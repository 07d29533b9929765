package org.agenthypervisor.agent.integration.langchain4j;

import org.agenthypervisor.agent.integration.Integration;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.core.policy.Policy;

import java.util.List;
import java.util.Set;

/** The LangChain4j integration (core 1.19, agentic 1.19.0-beta29). */
public final class LangChain4j implements Integration {
    private static final String TOOL_SERVICE = "dev.langchain4j.service.tool.ToolService";
    private static final String SCOPE = "dev.langchain4j.agentic.scope.DefaultAgenticScope";

    @Override
    public String name() {
        return "LangChain4j";
    }

    @Override
    public String policySwitch() {
        return "frameworks.langchain4j";
    }

    @Override
    public boolean enabled(Policy policy) {
        return policy.frameworks().langchain4j();
    }

    @Override
    public String versionResource() {
        return "META-INF/maven/dev.langchain4j/langchain4j/pom.properties";
    }

    @Override
    public Set<String> testedVersions() {
        return Set.of("1.19.0");
    }

    @Override
    public List<Target> targets() {
        return List.of(
                Target.of(TOOL_SERVICE, "executeWithErrorHandling", "(Ldev/langchain4j/agent/tool/ToolExecutionRequest;",
                        advice("Tool"), "tools"),
                Target.prefix("dev.langchain4j.service.DefaultAiServices$", "invoke",
                        "(Ljava/lang/Object;Ljava/lang/reflect/Method;[Ljava/lang/Object;)", advice("Service"),
                        "AI services"),
                Target.of("dev.langchain4j.service.tool.ToolServiceContext", "effectiveTools", "()Ljava/util/List;",
                        advice("OfferedTools"), "offered tools"),
                Target.of(TOOL_SERVICE, "compensateToolsActions", "(", advice("SkipInSaga"), "compensation"),
                Target.of(TOOL_SERVICE, "rewriteChatMemoryForCompensatedTools", "(", advice("SkipInSaga"),
                        "compensation"),
                Target.of(TOOL_SERVICE, "rewriteCurrentResults", "(", advice("SkipInSaga"), "compensation"),
                Target.of("dev.langchain4j.service.AiServiceTokenStream", "<init>", "(", advice("Capture"),
                        "token streams"),
                Target.of("dev.langchain4j.service.AiServiceTokenStream", "start", "()V", advice("RunCaptured"),
                        "token streams"),
                Target.of("dev.langchain4j.agentic.internal.AgentInvoker", "invoke",
                        "(Ldev/langchain4j/agentic/scope/DefaultAgenticScope;Ljava/lang/Object;", advice("SubAgent"),
                        "agentic"),
                Target.of("dev.langchain4j.agentic.internal.PlannerBasedInvocationHandler", "invoke",
                        "(Ljava/lang/Object;Ljava/lang/reflect/Method;[Ljava/lang/Object;)", advice("Workflow"),
                        "agentic"),
                Target.of(SCOPE, "writeState", "(Ljava/lang/String;Ljava/lang/Object;)V", advice("ScopeWrite"),
                        "agentic scope"),
                Target.of(SCOPE, "writeStates", "(Ljava/util/Map;)V", advice("ScopeWrites"), "agentic scope"),
                Target.of(SCOPE, "compensateAll", "()V", advice("SkipInSaga"), "compensation"));
    }

    /** The binary name of the advice class nested in {@code LangChain4jAdvice} under {@code nested}: named, and loaded only to weave. */
    private static String advice(String nested) {
        return LangChain4j.class.getPackageName() + ".LangChain4jAdvice$" + nested;
    }
}
