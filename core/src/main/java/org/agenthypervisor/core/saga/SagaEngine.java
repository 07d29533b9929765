package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Call;
import org.agenthypervisor.core.gate.CallParticipant;
import org.agenthypervisor.core.liability.LiabilityEngine;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Sagas (SPEC §4): opens and ends sagas at boundaries, journals compensable steps, rolls back on
 * failure and recovers after a crash. Registered last among the gate's participants.
 */
public class SagaEngine implements CallParticipant, AutoCloseable {
    protected final Principals principals;
    protected final AuditTrail audit;
    protected final Counters counters;
    protected final Path dataDir;
    protected final LiabilityEngine liability;
    protected final Context hostContext;
    protected volatile Policy policy;

    public SagaEngine(Policy policy, Principals principals, AuditTrail audit, Counters counters, Path dataDir,
                      LiabilityEngine liability, Context hostContext) {
        this.policy = policy;
        this.principals = principals;
        this.audit = audit;
        this.counters = counters;
        this.dataDir = dataDir;
        this.liability = liability;
        this.hostContext = hostContext;
    }

    @Override
    public Object enter(Call call) {
        return null;
    }

    @Override
    public void exit(Call call, Object state, Object returned, Throwable thrown) {
    }

    /** The stable id of the step the context runs in (or compensates), or null. */
    public String currentStep(Context context) {
        return null;
    }

    /** How to get an instance of a type for recovery. */
    public <T> void registerFactory(Class<T> type, Supplier<? extends T> factory) {
    }

    /** Recovers the sagas the journal shows unfinished; called once when the agent starts. */
    public void recoverOnStart() {
    }

    public void applyPolicy(Policy next) {
        this.policy = next;
    }

    @Override
    public void close() {
    }
}
