package org.agenthypervisor.core.ratelimit;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.Policy.RateLimit;
import org.agenthypervisor.core.policy.Policy.RateSpec;
import org.agenthypervisor.core.ratelimit.AgentLimits.Kind;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds each agent's {@link AgentLimits} from the policy and handles refusals: counted per agent
 * and in total, audited as {@code rate.limited} (at most one record a second per agent, carrying the
 * number of refusals it stands for, so a flood does not flood the log) and never slashed.
 *
 * <p>The host and the {@code unidentified} principal are never limited; ring limits apply to rings
 * 1 to 3, so a ring-0 agent is limited only by its own {@code agents.<id>.rate}. A reload builds new
 * buckets (they start full).
 */
public final class RateLimits {
    private static final Log LOG = Log.get("ratelimit");
    private static final long AUDIT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final AuditTrail audit;
    private final AtomicLong refusedTotal = new AtomicLong();
    private volatile Policy policy;

    public RateLimits(Policy policy, AuditTrail audit) {
        this.policy = policy;
        this.audit = audit;
    }

    public void apply(Policy next) {
        this.policy = next;
    }

    /**
     * The limits of agent {@code agentId} under the current policy, or null when nothing limits it
     * (then the gate's allowed path reads one null field and nothing more).
     */
    public AgentLimits limitsFor(String agentId, boolean host) {
        Policy p = policy;
        if (host || p.mode() == Policy.Mode.OFF || p.rates().isEmpty()) {
            return null;
        }
        AgentLimits limits = new AgentLimits(agentId, this);
        RateSpec own = p.rates().agents().get(agentId);
        for (Kind kind : Kind.values()) {
            RateLimit mine = own == null ? null : pick(own, kind);
            if (mine != null) {
                TokenBucket shared = new TokenBucket(mine.perSecond(), mine.burst());
                for (int ring = 0; ring < 4; ring++) {
                    limits.set(kind, ring, mine, shared);
                }
                continue;
            }
            for (Map.Entry<Integer, RateSpec> e : p.rates().rings().entrySet()) {
                RateLimit ringLimit = pick(e.getValue(), kind);
                if (ringLimit != null) {
                    limits.set(kind, e.getKey(), ringLimit, new TokenBucket(ringLimit.perSecond(), ringLimit.burst()));
                }
            }
        }
        return limits.isEmpty() ? null : limits;
    }

    private static RateLimit pick(RateSpec spec, Kind kind) {
        switch (kind) {
            case CALLS: return spec.calls();
            case TOOLS: return spec.tools();
            default: return spec.handoffs();
        }
    }

    /**
     * Counts and audits a refusal.
     *
     * @return whether the call is refused (the policy enforces) rather than only reported (audit mode)
     */
    boolean refused(AgentLimits agent, Kind kind, int ring, RateLimit limit, String target) {
        boolean enforced = policy.mode() == Policy.Mode.ENFORCE;
        agent.refused.incrementAndGet();
        refusedTotal.incrementAndGet();
        agent.unaudited.incrementAndGet();
        long now = System.nanoTime();
        long last = agent.lastAuditNanos.get();
        if (now - last >= AUDIT_EVERY_NANOS && agent.lastAuditNanos.compareAndSet(last, now)) {
            long covered = Math.max(1, agent.unaudited.getAndSet(0));
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("agent", agent.agent);
            fields.put("ring", ring);
            fields.put("kind", kind.key);
            fields.put("limit", limit.describe());
            fields.put("target", target);
            fields.put("enforced", enforced);
            fields.put("refusals", covered);
            fields.put("refusedSoFar", agent.refused.get());
            audit.recordBestEffort("rate.limited", fields);
            LOG.warn("RATE LIMITED agent '" + agent.agent + "' (ring " + ring + "): " + covered + " " + kind.noun
                    + "(s) over " + limit.describe() + (enforced ? " refused" : " (audit mode: allowed)")
                    + ", latest " + target);
        }
        return enforced;
    }

    boolean enforcing() {
        return policy.mode() == Policy.Mode.ENFORCE;
    }

    /** Refusals since start, every agent together. */
    public long refusedTotal() {
        return refusedTotal.get();
    }
}
