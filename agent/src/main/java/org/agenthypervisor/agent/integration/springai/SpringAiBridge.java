package org.agenthypervisor.agent.integration.springai;

import org.agenthypervisor.agent.integration.Reflection;
import org.agenthypervisor.core.frameworks.FrameworkGate;

import java.lang.reflect.Method;

/** What the Spring AI advice calls: reads a {@code ToolCallback} by name and asks {@link FrameworkGate}. */
public final class SpringAiBridge {
    private static final String METHOD_TOOL_CALLBACK = "org.springframework.ai.tool.method.MethodToolCallback";

    private SpringAiBridge() {
    }

    public static Object enterTool(Object callback, String input) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate == null) {
            return null;
        }
        String tool = "unknown";
        Method method = null;
        try {
            tool = String.valueOf(Reflection.call(Reflection.call(callback, "getToolDefinition"), "name"));
            if (callback.getClass().getName().equals(METHOD_TOOL_CALLBACK)) {
                method = (Method) Reflection.field(callback, "toolMethod");
            }
        } catch (Throwable unreadable) {
            return gate.internalError(tool, unreadable);
        }
        return gate.enterTool("spring-ai", tool, method == null ? null : method.getDeclaringClass(), method, input);
    }

    public static void exitTool(Object token) {
        FrameworkGate gate = FrameworkGate.active();
        if (gate != null) {
            gate.exitTool(token);
        }
    }

    /** What the bridge's {@code SpringAiHooks} delegates to. */
    public static final class Hooks implements org.agenthypervisor.bridge.SpringAiHooks.Impl {
        @Override
        public Object enterTool(Object callback, String input) {
            return SpringAiBridge.enterTool(callback, input);
        }

        @Override
        public void exitTool(Object token) {
            SpringAiBridge.exitTool(token);
        }
    }
}
