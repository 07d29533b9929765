package org.agenthypervisor.agent.integration.reactor;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.core.frameworks.FrameworkGate;

/** The advice woven into Reactor; one static call each. */
public final class ReactorAdvice {
    private ReactorAdvice() {
    }

    /** A publisher is assembled: remember the agent's context (nothing for the plain host). */
    public static final class Capture {
        private Capture() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object publisher) {
            FrameworkGate gate = FrameworkGate.active();
            if (gate != null) {
                gate.capture(publisher);
            }
        }
    }

    /** A publisher is subscribed to: run the subscription in the context it was assembled in. */
    public static final class Subscribe {
        private Subscribe() {
        }

        @Advice.OnMethodEnter
        static Object enter(@Advice.This Object publisher) {
            FrameworkGate gate = FrameworkGate.active();
            return gate == null ? null : gate.enterCaptured(publisher);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token) {
            if (token != null) {
                FrameworkGate.active().restore(token);
            }
        }
    }
}
