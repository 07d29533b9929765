package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.gate.Call;
import org.agenthypervisor.core.gate.CallParticipant;
import org.agenthypervisor.core.gate.SiteBinding;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.rings.RingDenial;

import java.nio.file.Path;

/**
 * Joint liability (SPEC §3): takes part in every hand-off (refusal, vouch, chain) and turns
 * anomalies into slashes. Registered first among the gate's participants.
 */
public class LiabilityEngine implements CallParticipant, AutoCloseable {
    protected final Principals principals;
    protected final AuditTrail audit;
    protected final Counters counters;
    protected final Path dataDir;
    protected volatile Policy policy;

    public LiabilityEngine(Policy policy, Principals principals, AuditTrail audit, Counters counters, Path dataDir) {
        this.policy = policy;
        this.principals = principals;
        this.audit = audit;
        this.counters = counters;
        this.dataDir = dataDir;
    }

    @Override
    public Object enter(Call call) {
        return null;
    }

    @Override
    public void exit(Call call, Object state, Object returned, Throwable thrown) {
    }

    /** An enforced ring violation: the violator is the actor. */
    public void ringViolation(Context violator, RingDenial denial, SiteBinding binding) {
    }

    /** {@code Hypervisor.reportAnomaly}: the reporter's chain is slashed, not the reporter. */
    public void reportAnomaly(Context reporter, String reason, double severity) {
    }

    /** A saga step's compensation finally failed: the step's agent is the actor. */
    public void compensationFailed(Principal stepAgent, Object stepChain, String reason) {
    }

    /** A new policy version was applied. */
    public void applyPolicy(Policy next) {
        this.policy = next;
    }

    @Override
    public void close() {
    }
}
