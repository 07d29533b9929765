package org.agenthypervisor.core.gate;

import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.policy.Policy;

/**
 * Everything the gate reads, immutable and published with one volatile write: a policy version and
 * the bindings of every registered site under it. Parallel arrays keep the hot path to a couple of
 * array loads.
 */
final class GateState {
    final Policy policy;
    final Policy.Mode mode;
    final boolean failOpen;
    final Principal host;
    final Context hostContext;
    /** Per site: the required ring ({@code Rings.UNCHECKED} when none). */
    final int[] required;
    /** Per site: the owning agent, or null. */
    final Principal[] owner;
    /** Per site: whether every entry needs the instance and arguments (sagas, steps). */
    final boolean[] details;
    /**
     * Per site: whether an entry from another principal needs them (a hand-off point, or a
     * restricted method whose caller must be looked at).
     */
    final boolean[] handoff;
    final SiteBinding[] bindings;

    GateState(Policy policy, Principal host, Context hostContext, SiteBinding[] bindings) {
        this.policy = policy;
        this.mode = policy.mode();
        this.failOpen = policy.onInternalError() == Policy.OnInternalError.ALLOW;
        this.host = host;
        this.hostContext = hostContext;
        this.bindings = bindings;
        this.required = new int[bindings.length];
        this.owner = new Principal[bindings.length];
        this.details = new boolean[bindings.length];
        this.handoff = new boolean[bindings.length];
        for (int i = 0; i < bindings.length; i++) {
            SiteBinding b = bindings[i];
            required[i] = b.requiredRing();
            owner[i] = b.owner();
            details[i] = b.alwaysNeedsDetails();
            handoff[i] = b.handoff() || b.restricted();
        }
    }
}
