package org.agenthypervisor.agent.integration.langchain4j;

import org.agenthypervisor.agent.integration.Reflection;
import org.agenthypervisor.core.frameworks.FrameworkGate;
import org.agenthypervisor.bridge.ToolDenied;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the LangChain4j advice calls: reads LangChain4j objects by name and hands the decisions to
 * {@link FrameworkGate}. Inside the agent's module, reached through the bridge's {@code LangChain4jHooks}; no LangChain4j type
 * is named in a signature.
 */
public final class LangChain4jBridge {
    static final String FRAMEWORK = "langchain4j";
    private static final String DEFAULT_TOOL_EXECUTOR = "dev.langchain4j.service.tool.DefaultToolExecutor";

    private LangChain4jBridge() {
    }

    public static Object enterTool(Object request, Object executor) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null) {
            return null;
        }
        String tool = "unknown";
        Method method;
        String arguments;
        try {
            tool = String.valueOf(Reflection.call(request, "name"));
            method = toolMethod(executor);
            Object json = Reflection.call(request, "arguments");
            arguments = json == null ? null : json.toString();
        } catch (Throwable unreadable) {
            return gate.internalError(tool, unreadable);
        }
        return gate.enterTool(FRAMEWORK, tool, method == null ? null : method.getDeclaringClass(), method, arguments);
    }

    /** The Java method behind a tool executor, or null (MCP and programmatic tools have none). */
    static Method toolMethod(Object executor) {
        if (executor != null && executor.getClass().getName().equals(DEFAULT_TOOL_EXECUTOR)) {
            return (Method) Reflection.call(executor, "originalMethod");
        }
        return null;
    }

    public static void exitTool(Object token) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.exitTool(token);
        }
    }

    private static final ClassValue<Method> RESULT_BUILDER = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> toolService) {
            try {
                Class<?> result = Class.forName("dev.langchain4j.service.tool.ToolExecutionResult", false,
                        toolService.getClassLoader());
                return result.getMethod("builder");
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("LangChain4j's ToolExecutionResult.builder() not found", e);
            }
        }
    };

    /** The error result the model reads for a denied tool: {@code ToolExecutionResult(isError, text)}. */
    public static Object deniedResult(ToolDenied denied, Object current, Class<?> toolService) {
        try {
            Object builder = RESULT_BUILDER.get(toolService).invoke(null);
            builder.getClass().getMethod("isError", boolean.class).invoke(builder, true);
            builder.getClass().getMethod("resultText", String.class).invoke(builder, denied.text());
            return builder.getClass().getMethod("build").invoke(builder);
        } catch (ReflectiveOperationException | RuntimeException failure) {
            // Cannot build the framework's error result: the denial must still hold (fail closed).
            throw denied.exception();
        }
    }

    public static Object enterService(Object proxy, Method method, Object[] arguments) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null || method.isDefault() || !method.getDeclaringClass().isInterface()
                || method.getDeclaringClass().getName().startsWith("dev.langchain4j.")) {
            return null;
        }
        return gate.enterService(method.getDeclaringClass(), method, proxy, arguments);
    }

    public static void exitService(Object token, Object returned, Throwable thrown) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.exit(token, returned, thrown);
        }
    }

    /** {@code frameworks.offerDeniedTools: false}: the tools the current agent may call, else all of them. */
    public static Object offeredTools(Object context, Object tools) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null || gate.offerDeniedTools() || !(tools instanceof List)) {
            return tools;
        }
        List<?> all = (List<?>) tools;
        if (all.isEmpty()) {
            return tools;
        }
        Map<?, ?> executors = (Map<?, ?>) Reflection.call(context, "toolExecutors");
        List<Object> offered = new ArrayList<>(all.size());
        for (Object spec : all) {
            String name = String.valueOf(Reflection.call(spec, "name"));
            Method method = toolMethod(executors == null ? null : executors.get(name));
            if (gate.mayCall(name, method == null ? null : method.getDeclaringClass(), method)) {
                offered.add(spec);
            }
        }
        return offered;
    }

    public static boolean inSaga() {
        FrameworkGate gate = FrameworkGate.active();
        return gate != null && gate.inSaga();
    }

    public static void capture(Object owner) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.capture(owner);
        }
    }

    public static Object enterCaptured(Object owner) {
        FrameworkGate gate = FrameworkGate.active();
        return gate == null ? null : gate.enterCaptured(owner);
    }

    public static void restore(Object token) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.restore(token);
        }
    }

    @SuppressWarnings("unchecked")
    public static Object enterSubAgent(Object invoker, Object scope, Object agent, Object arguments) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null) {
            return null;
        }
        String name = String.valueOf(Reflection.call(invoker, "name"));
        String agentId = String.valueOf(Reflection.call(invoker, "agentId"));
        Object parent = Reflection.call(invoker, "parent");
        String parentName = parent == null ? null : String.valueOf(Reflection.call(parent, "name"));
        Map<String, Object> named = arguments == null ? Map.of() : (Map<String, Object>) Reflection.call(arguments, "namedArgs");
        return gate.enterAgentic(scope, name, agentId, parentName, named, agent);
    }

    public static void exitSubAgent(Object token, Object returned, Throwable thrown) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.exitAgentic(token, returned, thrown);
        }
    }

    /** What the exit of a workflow call undoes. */
    private record WorkflowCall(boolean outermost, Object agentic) {
    }

    public static Object enterWorkflow(Object handler, Method method, Object[] arguments) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null || method.getDeclaringClass() == Object.class || method.isDefault()
                || (method.getDeclaringClass().getName().startsWith("dev.langchain4j.")
                && !method.getName().startsWith("invoke"))) {
            return null; // scope access and other framework methods of the proxy, not a call of the agent
        }
        boolean outermost = gate.enterWorkflow();
        Object agentic = null;
        try {
            // A top-level workflow (no parent) is entered here; nested ones through AgentInvoker.invoke.
            if (Reflection.call(handler, "parent") == null) {
                Map<String, Object> named = new java.util.LinkedHashMap<>();
                java.lang.reflect.Parameter[] parameters = method.getParameters();
                for (int i = 0; arguments != null && i < arguments.length; i++) {
                    named.put(i < parameters.length ? parameters[i].getName() : "arg" + i, arguments[i]);
                }
                agentic = gate.enterAgentic(null, String.valueOf(Reflection.call(handler, "name")),
                        String.valueOf(Reflection.call(handler, "agentId")), null, named, handler);
            }
        } catch (RuntimeException | Error refused) {
            gate.exitWorkflow(outermost);
            throw refused;
        }
        return new WorkflowCall(outermost, agentic);
    }

    public static void exitWorkflow(Object token, Object returned, Throwable thrown) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null || !(token instanceof WorkflowCall)) {
            return;
        }
        WorkflowCall call = (WorkflowCall) token;
        try {
            gate.exitAgentic(call.agentic(), returned, thrown);
        } finally {
            gate.exitWorkflow(call.outermost());
        }
    }

    public static void scopeWrite(Object scope, String key, Object value) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.scopeWrite(scope, Reflection.call(scope, "memoryId"), key, value);
        }
    }

    public static void scopeWrites(Object scope, Map<?, ?> values) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null || values == null) {
            return;
        }
        Object memoryId = Reflection.call(scope, "memoryId");
        for (Map.Entry<?, ?> e : values.entrySet()) {
            gate.scopeWrite(scope, memoryId, String.valueOf(e.getKey()), e.getValue());
        }
    }

    /** What the bridge's {@code LangChain4jHooks} delegates to. */
    public static final class Hooks implements org.agenthypervisor.bridge.LangChain4jHooks.Impl {
        @Override
        public Object enterTool(Object request, Object executor) {
            return LangChain4jBridge.enterTool(request, executor);
        }

        @Override
        public void exitTool(Object token) {
            LangChain4jBridge.exitTool(token);
        }

        @Override
        public Object deniedResult(ToolDenied denied, Object current, Class<?> toolService) {
            return LangChain4jBridge.deniedResult(denied, current, toolService);
        }

        @Override
        public Object enterService(Object proxy, Method method, Object[] arguments) {
            return LangChain4jBridge.enterService(proxy, method, arguments);
        }

        @Override
        public void exitService(Object token, Object returned, Throwable thrown) {
            LangChain4jBridge.exitService(token, returned, thrown);
        }

        @Override
        public Object offeredTools(Object context, Object tools) {
            return LangChain4jBridge.offeredTools(context, tools);
        }

        @Override
        public boolean inSaga() {
            return LangChain4jBridge.inSaga();
        }

        @Override
        public void capture(Object owner) {
            LangChain4jBridge.capture(owner);
        }

        @Override
        public Object enterCaptured(Object owner) {
            return LangChain4jBridge.enterCaptured(owner);
        }

        @Override
        public void restore(Object token) {
            LangChain4jBridge.restore(token);
        }

        @Override
        public Object enterSubAgent(Object invoker, Object scope, Object agent, Object arguments) {
            return LangChain4jBridge.enterSubAgent(invoker, scope, agent, arguments);
        }

        @Override
        public void exitSubAgent(Object token, Object returned, Throwable thrown) {
            LangChain4jBridge.exitSubAgent(token, returned, thrown);
        }

        @Override
        public Object enterWorkflow(Object handler, Method method, Object[] arguments) {
            return LangChain4jBridge.enterWorkflow(handler, method, arguments);
        }

        @Override
        public void exitWorkflow(Object token, Object returned, Throwable thrown) {
            LangChain4jBridge.exitWorkflow(token, returned, thrown);
        }

        @Override
        public void scopeWrite(Object scope, String key, Object value) {
            LangChain4jBridge.scopeWrite(scope, key, value);
        }

        @Override
        public void scopeWrites(Object scope, Map<?, ?> values) {
            LangChain4jBridge.scopeWrites(scope, values);
        }
    }
}
