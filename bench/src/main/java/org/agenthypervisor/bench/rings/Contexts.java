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
                // Since issue 9 the live gate is in the agent's own named module, out of this class's
                // reach (this Gate is the benchmark jar's unused copy): measuring would silently time
                // the host. Fail instead of reporting wrong figures.
                throw new IllegalStateException("cannot put the benchmark thread into agent '" + agent + "': the"
                        + " hypervisor's internals are closed to application code (issue 9); agent-context"
                        + " benchmarks need a benchmark hook in the agent (see bench/RESULTS.md)");
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
