package org.agenthypervisor.agent.integration.reactor;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.bridge.Frameworks;

/** The advice woven into Reactor; one static call each, into the bootstrap-side {@link Frameworks}. */
public final class ReactorAdvice {
    private ReactorAdvice() {
    }

    /** A publisher is assembled: remember the agent's context (nothing for the plain host). */
    public static final class Capture {
        private Capture() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object publisher) {
            Frameworks.capture(publisher);
        }
    }

    /** A publisher is subscribed to: run the subscription in the context it was assembled in. */
    public static final class Subscribe {
        private Subscribe() {
        }

        @Advice.OnMethodEnter
        static Object enter(@Advice.This Object publisher) {
            return Frameworks.enterCaptured(publisher);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter Object token) {
            if (token != null) {
                Frameworks.restore(token);
            }
        }
    }
}
