package org.agenthypervisor.core.runtime;

import org.agenthypervisor.api.Session;
import org.agenthypervisor.api.spi.HypervisorBackend;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Propagation;

import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** What {@link org.agenthypervisor.api.Hypervisor} calls when the agent is attached. */
class FacadeBackend implements HypervisorBackend {
    /** Compiled on first use (a class of its own): the facade is built at every start, an id checked only when one is passed. */
    private static final class AgentIdSyntax {
        static final Pattern AGENT_ID = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?");
    }

    final HypervisorRuntime runtime;

    FacadeBackend(HypervisorRuntime runtime) {
        this.runtime = runtime;
    }

    Context current() {
        return Propagation.current(runtime.gate().hostContext());
    }

    private Principal principal(String agentId) {
        if (agentId.equals("host")) {
            return runtime.principals().host();
        }
        if (!AgentIdSyntax.AGENT_ID.matcher(agentId).matches()) {
            throw new IllegalArgumentException("'" + agentId + "' is not a valid agent id");
        }
        return runtime.principals().agent(agentId);
    }

    @Override
    public String currentAgent() {
        return current().principal().id();
    }

    @Override
    public int effectiveRing(String agentId) {
        org.agenthypervisor.core.context.Principal p = principal(agentId);
        runtime.quarantines().describe(p); // releases an expired quarantine before the ring is read
        return p.effectiveRing();
    }

    @Override
    public int grantedRing(String agentId) {
        return principal(agentId).grantedRing();
    }

    @Override
    public double trust(String agentId) {
        return principal(agentId).trust();
    }

    @Override
    public void reportAnomaly(String reason, double severity) {
        runtime.liability().reportAnomaly(current(), reason, severity);
    }

    @Override
    public String currentStep() {
        return runtime.sagas().currentStep(current());
    }

    @Override
    public Session openSession(String name) {
        return runtime.sessions().open(current(), name);
    }

    @Override
    public Session currentSession() {
        return runtime.sessions().current(current());
    }

    @Override
    public <T> void registerFactory(Class<T> type, Supplier<? extends T> factory) {
        runtime.sagas().registerFactory(type, factory);
    }

    @Override
    public Runnable propagate(Runnable task) {
        return Propagation.wrapExplicitly(task, current());
    }

    @Override
    public <V> Callable<V> propagate(Callable<V> task) {
        return Propagation.wrapExplicitly(task, current());
    }
}
