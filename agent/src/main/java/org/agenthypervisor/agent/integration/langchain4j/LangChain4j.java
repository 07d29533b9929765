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
                        LangChain4jAdvice.Tool.class, "tools"),
                Target.prefix("dev.langchain4j.service.DefaultAiServices$", "invoke",
                        "(Ljava/lang/Object;Ljava/lang/reflect/Method;[Ljava/lang/Object;)", LangChain4jAdvice.Service.class,
                        "AI services"),
                Target.of("dev.langchain4j.service.tool.ToolServiceContext", "effectiveTools", "()Ljava/util/List;",
                        LangChain4jAdvice.OfferedTools.class, "offered tools"),
                Target.of(TOOL_SERVICE, "compensateToolsActions", "(", LangChain4jAdvice.SkipInSaga.class, "compensation"),
                Target.of(TOOL_SERVICE, "rewriteChatMemoryForCompensatedTools", "(", LangChain4jAdvice.SkipInSaga.class,
                        "compensation"),
                Target.of(TOOL_SERVICE, "rewriteCurrentResults", "(", LangChain4jAdvice.SkipInSaga.class, "compensation"),
                Target.of("dev.langchain4j.service.AiServiceTokenStream", "<init>", "(", LangChain4jAdvice.Capture.class,
                        "token streams"),
                Target.of("dev.langchain4j.service.AiServiceTokenStream", "start", "()V", LangChain4jAdvice.RunCaptured.class,
                        "token streams"),
                Target.of("dev.langchain4j.agentic.internal.AgentInvoker", "invoke",
                        "(Ldev/langchain4j/agentic/scope/DefaultAgenticScope;Ljava/lang/Object;", LangChain4jAdvice.SubAgent.class,
                        "agentic"),
                Target.of("dev.langchain4j.agentic.internal.PlannerBasedInvocationHandler", "invoke",
                        "(Ljava/lang/Object;Ljava/lang/reflect/Method;[Ljava/lang/Object;)", LangChain4jAdvice.Workflow.class,
                        "agentic"),
                Target.of(SCOPE, "writeState", "(Ljava/lang/String;Ljava/lang/Object;)V", LangChain4jAdvice.ScopeWrite.class,
                        "agentic scope"),
                Target.of(SCOPE, "writeStates", "(Ljava/util/Map;)V", LangChain4jAdvice.ScopeWrites.class, "agentic scope"),
                Target.of(SCOPE, "compensateAll", "()V", LangChain4jAdvice.SkipInSaga.class, "compensation"));
    }
}
