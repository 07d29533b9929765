package org.agenthypervisor.agent.integration.springai;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import org.agenthypervisor.bridge.SpringAiHooks;
import org.agenthypervisor.bridge.ToolDenied;

/** The advice woven into Spring AI; framework types appear only as {@code Object}. */
public final class SpringAiAdvice {
    private SpringAiAdvice() {
    }

    /** Around one tool callback's call: its ring check; a denial becomes the tool's result text or throws. */
    public static final class Tool {
        private Tool() {
        }

        @Advice.OnMethodEnter(skipOn = ToolDenied.class)
        static Object enter(@Advice.Argument(0) Object callback, @Advice.Argument(1) String input) {
            return SpringAiHooks.enterTool(callback, input);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object result) {
            if (token instanceof ToolDenied) {
                result = ((ToolDenied) token).text();
            } else if (token != null) {
                SpringAiHooks.exitTool(token);
            }
        }
    }
}
