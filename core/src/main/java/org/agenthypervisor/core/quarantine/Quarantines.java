package org.agenthypervisor.core.quarantine;

import org.agenthypervisor.api.AgentQuarantinedException;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principal.Quarantine;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.log.RateLimiter;
import org.agenthypervisor.core.policy.Durations;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Quarantines, releases and kills agents, and refuses their calls.
 *
 * <p>A quarantine sets the agent's effective ring to {@code Rings.QUARANTINED}, above every
 * requirement, so the gate's existing compare sends each of its governed calls to the slow path,
 * which asks {@link #refusal} what to throw. Expiry is checked there, lazily: the first call after
 * the cooldown releases the agent (audited {@code quarantine.expired}) and goes on as usual. A kill is
 * a quarantine that only a release ends; the killed agent's saga in progress is compensated by the
 * saga engine as soon as its next step is refused (the refusal is an exception through the saga).
 *
 * <p>Quarantines live in this JVM only: a restart starts every agent released (the reason and the
 * decision are in the audit log).
 */
public final class Quarantines {
    private static final Log LOG = Log.get("quarantine");

    private final Principals principals;
    private final AuditTrail audit;
    private final LongSupplier clock;
    /** Refused calls are each audited; at most this many log lines a second. */
    private final RateLimiter lines = new RateLimiter(20);

    public Quarantines(Principals principals, AuditTrail audit, LongSupplier clock) {
        this.principals = principals;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Quarantines {@code agentId} for {@code millis} (replacing a shorter or longer one; a kill
     * stays a kill until released).
     *
     * @return a one-line summary for the operator
     */
    public synchronized String quarantine(String agentId, long millis, String reason, String by) {
        Principal p = agent(agentId);
        requireReason(reason);
        if (millis <= 0) {
            throw new IllegalArgumentException("the duration must be positive, was " + millis + " ms");
        }
        Quarantine current = p.quarantine();
        if (current != null && current.killed()) {
            throw new IllegalStateException("agent '" + agentId + "' is killed; release it first");
        }
        long now = clock.getAsLong();
        long until = now + millis < now ? Long.MAX_VALUE : now + millis;
        principals.setQuarantine(p, new Quarantine(now, until, reason, by, false));
        Map<String, Object> fields = fields(p, reason, by);
        fields.put("millis", millis);
        fields.put("until", Instant.ofEpochMilli(until).toString());
        audit.recordBestEffort("quarantine.set", fields);
        String summary = "agent '" + agentId + "' quarantined for " + Durations.format(millis) + " (until "
                + Instant.ofEpochMilli(until) + ") by " + by + ": " + reason;
        LOG.warn("QUARANTINE " + summary);
        return summary;
    }

    /** Kills {@code agentId}: quarantined until released. */
    public synchronized String kill(String agentId, String reason, String by) {
        Principal p = agent(agentId);
        requireReason(reason);
        long now = clock.getAsLong();
        principals.setQuarantine(p, new Quarantine(now, Long.MAX_VALUE, reason, by, true));
        audit.recordBestEffort("agent.killed", fields(p, reason, by));
        String summary = "agent '" + agentId + "' killed by " + by + ": " + reason
                + " (every governed call and hand-off refused until released; a saga in progress is compensated"
                + " at its next step)";
        LOG.warn("KILL " + summary);
        return summary;
    }

    /** Releases {@code agentId} from its quarantine or kill. */
    public synchronized String release(String agentId, String reason, String by) {
        Principal p = agent(agentId);
        requireReason(reason);
        Quarantine q = p.quarantine();
        if (q == null) {
            return "agent '" + agentId + "' is not quarantined";
        }
        principals.setQuarantine(p, null);
        Map<String, Object> fields = fields(p, reason, by);
        fields.put("quarantinedBy", q.by());
        fields.put("quarantineReason", q.reason());
        fields.put("killed", q.killed());
        audit.recordBestEffort("quarantine.released", fields);
        String summary = "agent '" + agentId + "' released by " + by + ": " + reason + " (effective ring now "
                + p.effectiveRing() + ")";
        LOG.warn("RELEASE " + summary);
        return summary;
    }

    /**
     * A governed call of {@code who} reached the slow path with the quarantined ring, or a hand-off
     * went to a quarantined agent: the exception to throw, or null when the quarantine has just
     * expired (the agent is released and the call goes on as usual).
     *
     * @param who    the quarantined agent
     * @param caller the calling agent (== who, or the sender of a hand-off to who)
     * @param method the refused method or tool
     */
    public AgentQuarantinedException refusal(Principal who, Principal caller, String method) {
        Quarantine q = who.quarantine();
        if (q == null) {
            return null;
        }
        if (q.expired(clock.getAsLong())) {
            expire(who, q);
            return null;
        }
        String until = q.killed() ? "until an operator releases it (killed)"
                : "until " + Instant.ofEpochMilli(q.untilMillis()) + " or an operator releases it";
        String message = caller == who
                ? "agent '" + who.id() + "' may not call " + method + ": it is quarantined " + until + " ("
                        + q.by() + ": " + q.reason() + ")"
                : "agent '" + who.id() + "' is quarantined " + until + " (" + q.by() + ": " + q.reason() + "): "
                        + (caller.isHost() ? "the host" : "agent '" + caller.id() + "'") + " may not call its method " + method;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", who.id());
        fields.put("caller", caller.id());
        fields.put("method", method);
        fields.put("reason", q.reason());
        fields.put("killed", q.killed());
        audit.recordBestEffort("quarantine.refused", fields);
        long suppressed = lines.tryAcquire();
        if (suppressed >= 0) {
            LOG.warn("REFUSED " + message + (suppressed > 0 ? " (" + suppressed + " more line(s) suppressed)" : ""));
        }
        return new AgentQuarantinedException(message, who.id(), method, q.reason(), q.untilMillis());
    }

    private synchronized void expire(Principal who, Quarantine q) {
        if (who.quarantine() != q) {
            return; // released or replaced meanwhile
        }
        principals.setQuarantine(who, null);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", who.id());
        fields.put("since", Instant.ofEpochMilli(q.sinceMillis()).toString());
        fields.put("until", Instant.ofEpochMilli(q.untilMillis()).toString());
        fields.put("reason", q.reason());
        fields.put("by", q.by());
        fields.put("effectiveRing", (long) who.effectiveRing());
        audit.recordBestEffort("quarantine.expired", fields);
        LOG.warn("RELEASE agent '" + who.id() + "': its quarantine expired (" + q.by() + ": " + q.reason()
                + "); effective ring now " + who.effectiveRing());
    }

    /** The agent's quarantine as {@code trust list} shows it, or null; an expired one is released here. */
    public String describe(Principal p) {
        Quarantine q = p.quarantine();
        if (q == null) {
            return null;
        }
        if (q.expired(clock.getAsLong())) {
            expire(p, q);
            return null;
        }
        return (q.killed() ? "killed" : "quarantined until " + Instant.ofEpochMilli(q.untilMillis())) + " by " + q.by()
                + ": " + q.reason();
    }

    private Principal agent(String agentId) {
        if (agentId == null || !KeyDirectory.isValidId(agentId) || "host".equals(agentId)) {
            throw new IllegalArgumentException("'" + agentId + "' is not an agent id (ids match"
                    + " [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?; the host cannot be quarantined)");
        }
        return principals.agent(agentId);
    }

    private static void requireReason(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a reason is required: it goes into the audit log");
        }
    }

    private static Map<String, Object> fields(Principal p, String reason, String by) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", p.id());
        fields.put("reason", reason);
        fields.put("by", by);
        return fields;
    }
}
