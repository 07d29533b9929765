package org.agenthypervisor.bench.rings;

import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Gate;

import java.lang.reflect.Field;

/**
 * Puts the benchmark thread into an agent's context the way the gate would after a call into
 * that agent, without an extra governed frame in the measured loop.
 */
public final class Contexts {
    private Contexts() {
    }

    /** Runs the calling thread as {@code agent}; returns false when the agent is not attached. */
    public static boolean runAs(String agent) {
        try {
            Field field = Gate.class.getDeclaredField("runtime");
            field.setAccessible(true);
            Object runtime = field.get(null);
            if (runtime == null) {
                return false;
            }
            Field principalsField = runtime.getClass().getDeclaredField("principals");
            principalsField.setAccessible(true);
            Principals principals = (Principals) principalsField.get(runtime);
            ContextCell.obtain(Context.of(principals.host())).set(Context.of(principals.agent(agent)));
            return true;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
