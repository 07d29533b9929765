package org.agenthypervisor.bridge;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * What the advice woven into LangChain4j calls: tool calls, AI services, agentic sub-agents and
 * workflows, scope writes. Framework types appear only as {@code Object}; the hypervisor reads them
 * by name.
 */
public final class LangChain4jHooks {
    static final Impl IMPL = Bridges.pending() == null ? null : Bridges.pending().langChain4j();

    private LangChain4jHooks() {
    }

    /** What the hypervisor implements: one method per static below. */
    public interface Impl {
        Object enterTool(Object request, Object executor);

        void exitTool(Object token);

        Object deniedResult(ToolDenied denied, Object current, Class<?> toolService);

        Object enterService(Object proxy, Method method, Object[] arguments);

        void exitService(Object token, Object returned, Throwable thrown);

        Object offeredTools(Object context, Object tools);

        boolean inSaga();

        void capture(Object owner);

        Object enterCaptured(Object owner);

        void restore(Object token);

        Object enterSubAgent(Object invoker, Object scope, Object agent, Object arguments);

        void exitSubAgent(Object token, Object returned, Throwable thrown);

        Object enterWorkflow(Object handler, Method method, Object[] arguments);

        void exitWorkflow(Object token, Object returned, Throwable thrown);

        void scopeWrite(Object scope, String key, Object value);

        void scopeWrites(Object scope, Map<?, ?> values);
    }

    public static Object enterTool(Object request, Object executor) {
        return IMPL.enterTool(request, executor);
    }

    public static void exitTool(Object token) {
        IMPL.exitTool(token);
    }

    public static Object deniedResult(ToolDenied denied, Object current, Class<?> toolService) {
        return IMPL.deniedResult(denied, current, toolService);
    }

    public static Object enterService(Object proxy, Method method, Object[] arguments) {
        return IMPL.enterService(proxy, method, arguments);
    }

    public static void exitService(Object token, Object returned, Throwable thrown) {
        IMPL.exitService(token, returned, thrown);
    }

    public static Object offeredTools(Object context, Object tools) {
        return IMPL.offeredTools(context, tools);
    }

    public static boolean inSaga() {
        return IMPL.inSaga();
    }

    public static void capture(Object owner) {
        IMPL.capture(owner);
    }

    public static Object enterCaptured(Object owner) {
        return IMPL.enterCaptured(owner);
    }

    public static void restore(Object token) {
        IMPL.restore(token);
    }

    public static Object enterSubAgent(Object invoker, Object scope, Object agent, Object arguments) {
        return IMPL.enterSubAgent(invoker, scope, agent, arguments);
    }

    public static void exitSubAgent(Object token, Object returned, Throwable thrown) {
        IMPL.exitSubAgent(token, returned, thrown);
    }

    public static Object enterWorkflow(Object handler, Method method, Object[] arguments) {
        return IMPL.enterWorkflow(handler, method, arguments);
    }

    public static void exitWorkflow(Object token, Object returned, Throwable thrown) {
        IMPL.exitWorkflow(token, returned, thrown);
    }

    public static void scopeWrite(Object scope, String key, Object value) {
        IMPL.scopeWrite(scope, key, value);
    }

    public static void scopeWrites(Object scope, Map<?, ?> values) {
        IMPL.scopeWrites(scope, values);
    }
}
