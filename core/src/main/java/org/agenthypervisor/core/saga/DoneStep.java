package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.context.Context;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A step that returned inside a saga, with everything its compensation needs in this JVM: the same
 * instance, the same arguments, the result, the context it ran in (principal, liability chain,
 * session) and the effective ring it ran with, which the compensation is pinned to.
 */
final class DoneStep {
    final String sagaId;
    final String stepId;
    final String method;
    final Method compensation;
    /** The compensation's JVM descriptor (its display is only built if it runs). */
    final String descriptor;
    final boolean passesResult;
    final Object instance;
    final Object[] arguments;
    final Object result;
    final Context context;
    final int ring;
    private final AtomicBoolean claimed = new AtomicBoolean();

    DoneStep(String sagaId, String stepId, String method, Method compensation, String descriptor,
             boolean passesResult, Object instance, Object[] arguments, Object result, Context context, int ring) {
        this.sagaId = sagaId;
        this.stepId = stepId;
        this.method = method;
        this.compensation = compensation;
        this.descriptor = descriptor;
        this.passesResult = passesResult;
        this.instance = instance;
        this.arguments = arguments;
        this.result = result;
        this.context = context;
        this.ring = ring;
    }

    /** {@code com.acme.Bank#credit(String, long)}. */
    String compensationDisplay() {
        return CompensationMethods.display(compensation.getDeclaringClass().getName(), compensation.getName(), descriptor);
    }

    /** Claims the step for compensation; true exactly once, so a step is never compensated twice. */
    boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    /** The compensation's arguments: the step's, plus its result when the compensation takes it. */
    Object[] compensationArguments() {
        if (!passesResult) {
            return arguments.clone();
        }
        Object[] args = java.util.Arrays.copyOf(arguments, arguments.length + 1);
        args[arguments.length] = result;
        return args;
    }
}
