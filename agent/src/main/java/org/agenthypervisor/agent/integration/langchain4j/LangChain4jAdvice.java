package org.agenthypervisor.agent.integration.langchain4j;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import org.agenthypervisor.bridge.LangChain4jHooks;
import org.agenthypervisor.bridge.ToolDenied;

import java.lang.reflect.Method;

/**
 * The advice woven into LangChain4j. Each body is a static call into {@link LangChain4jHooks} (the
 * bridge, on the bootstrap class path), which delegates to {@code LangChain4jBridge} inside the
 * agent's module; framework types appear only as {@code Object}. Advice never swallows an
 * exception: a denial under {@code onDenial: abort} must reach the application.
 */
public final class LangChain4jAdvice {
    private LangChain4jAdvice() {
    }

    /** {@code ToolService.executeWithErrorHandling(request, executor, ...)}: the tool call's ring check. */
    public static final class Tool {
        private Tool() {
        }

        @Advice.OnMethodEnter(skipOn = ToolDenied.class)
        static Object enter(@Advice.Argument(0) Object request, @Advice.Argument(1) Object executor) {
            return LangChain4jHooks.enterTool(request, executor);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Origin Class<?> toolService,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object result) {
            if (token instanceof ToolDenied) {
                result = LangChain4jHooks.deniedResult((ToolDenied) token, result, toolService);
            } else if (token != null) {
                LangChain4jHooks.exitTool(token);
            }
        }
    }

    /** The AI-service proxy's handler: the service's methods run as the agent bound to its interface. */
    public static final class Service {
        private Service() {
        }

        @Advice.OnMethodEnter
        static Object enter(@Advice.Argument(0) Object proxy, @Advice.Argument(1) Method method,
                            @Advice.Argument(2) Object[] arguments) {
            return LangChain4jHooks.enterService(proxy, method, arguments);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned,
                         @Advice.Thrown Throwable thrown) {
            if (token != null) {
                LangChain4jHooks.exitService(token, returned, thrown);
            }
        }
    }

    /** {@code ToolServiceContext.effectiveTools()}: hide tools the agent may not call, when the policy says so. */
    public static final class OfferedTools {
        private OfferedTools() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object context,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object tools) {
            tools = LangChain4jHooks.offeredTools(context, tools);
        }
    }

    /** LangChain4j's own compensation and its rewriting of the model's memory: suspended inside a hypervisor saga. */
    public static final class SkipInSaga {
        private SkipInSaga() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter() {
            return LangChain4jHooks.inSaga();
        }
    }

    /** A token stream remembers the context it was created in. */
    public static final class Capture {
        private Capture() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object stream) {
            LangChain4jHooks.capture(stream);
        }
    }

    /** ... and runs in it when started. */
    public static final class RunCaptured {
        private RunCaptured() {
        }

        @Advice.OnMethodEnter
        static Object enter(@Advice.This Object stream) {
            return LangChain4jHooks.enterCaptured(stream);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token) {
            LangChain4jHooks.restore(token);
        }
    }

    /** {@code AgentInvoker.invoke(scope, agent, arguments)}: a sub-agent invocation is a hand-off. */
    public static final class SubAgent {
        private SubAgent() {
        }

        @Advice.OnMethodEnter
        static Object enter(@Advice.This Object invoker, @Advice.Argument(0) Object scope, @Advice.Argument(1) Object agent,
                            @Advice.Argument(2) Object arguments) {
            return LangChain4jHooks.enterSubAgent(invoker, scope, agent, arguments);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned,
                         @Advice.Thrown Throwable thrown) {
            LangChain4jHooks.exitSubAgent(token, returned, thrown);
        }
    }

    /**
     * A workflow's proxy handler: a top-level workflow is an agentic agent by its name (bound by
     * {@code agenticNames}, a saga boundary by {@code sagas: - agentic:}), and the outermost call
     * closes the sessions of the scopes it wrote.
     */
    public static final class Workflow {
        private Workflow() {
        }

        @Advice.OnMethodEnter
        static Object enter(@Advice.This Object handler, @Advice.Argument(1) Method method,
                            @Advice.Argument(2) Object[] arguments) {
            return LangChain4jHooks.enterWorkflow(handler, method, arguments);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned,
                         @Advice.Thrown Throwable thrown) {
            LangChain4jHooks.exitWorkflow(token, returned, thrown);
        }
    }

    /** {@code DefaultAgenticScope.writeState(key, value)}: a session delta, ring-protected keys checked first. */
    public static final class ScopeWrite {
        private ScopeWrite() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This Object scope, @Advice.Argument(0) String key, @Advice.Argument(1) Object value) {
            LangChain4jHooks.scopeWrite(scope, key, value);
        }
    }

    /** {@code DefaultAgenticScope.writeStates(map)}. */
    public static final class ScopeWrites {
        private ScopeWrites() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This Object scope, @Advice.Argument(0) java.util.Map<?, ?> values) {
            LangChain4jHooks.scopeWrites(scope, values);
        }
    }
}
