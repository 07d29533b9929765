package org.agenthypervisor.agent.advice;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import org.agenthypervisor.bridge.Gate;

/**
 * For methods of agents' classes, saga boundaries and compensable steps. The arguments array and
 * the boxed return value are only built inside the branches that need them (Byte Buddy
 * materializes {@code @AllArguments} and {@code @Return} where they are read), so a call within one
 * agent costs a ring check and a null test.
 */
public final class GovernedAdvice {
    private GovernedAdvice() {
    }

    @Advice.OnMethodEnter
    static Object enter(@SiteId int site, @SiteKey long key, @Advice.Origin Class<?> type,
                        @Advice.This(optional = true) Object self, @Advice.AllArguments Object[] arguments) {
        Object token = Gate.enter(site, key);
        if (token == Gate.DETAILS) {
            token = Gate.enterWithDetails(site, key, type, self, arguments);
        }
        return token;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    static void exit(@Advice.Enter Object token,
                     @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned,
                     @Advice.Thrown Throwable thrown) {
        if (token != null) {
            Gate.exit(token, returned, thrown);
        }
    }
}
