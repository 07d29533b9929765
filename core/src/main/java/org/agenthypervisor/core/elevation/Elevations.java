package org.agenthypervisor.core.elevation;

import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Durations;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.rings.Rings;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Grants, checks, expires and revokes elevations.
 *
 * <p>How it costs the allowed path nothing: a grant does not change the agent's effective ring. A
 * call its effective ring allows never looks at the grant; a call it does not allow reaches the
 * gate's slow path, which asks {@link #permitsMethod} (or, for a framework tool, {@link #permitsTool})
 * before it denies. There the deadline is compared with the clock, the {@code --only} patterns are
 * matched, and the trust floors are applied to the granted ring exactly as to a granted ring in the
 * policy: an agent whose trust is below the granted ring's floor gets the most privileged ring at or
 * above it whose floor it clears, so an elevation never lifts an agent over a floor.
 *
 * <p>Expiry is that deadline compare; nothing runs on the call path to end a grant. A daemon timer,
 * started with the first grant, only writes the {@code elevation.expired} record on time (and clears
 * the field) so that the audit log shows the end of a grant the agent never used again.
 *
 * <p>Audited: {@code elevation.granted} (strictly: no record, no grant), {@code elevation.used} once
 * per method or tool per grant (a loop under a grant would otherwise be a record per call; every use
 * is counted and the count is in the expiry or revocation record), {@code elevation.expired},
 * {@code elevation.revoked}.
 */
public final class Elevations {
    private static final Log LOG = Log.get("elevation");

    private final Principals principals;
    private final AuditTrail audit;
    private final LongSupplier clock;
    private final Supplier<Policy> policy;
    private final boolean timer;
    private final AtomicLong ids = new AtomicLong();
    private ScheduledThreadPoolExecutor expiries;

    /**
     * @param clock  epoch milliseconds
     * @param policy the current policy (its {@code elevation} section and mode)
     * @param timer  whether to audit expiries on time from a daemon thread (false in unit tests: they are
     *               then audited at the first check or listing after the deadline)
     */
    public Elevations(Principals principals, AuditTrail audit, LongSupplier clock, Supplier<Policy> policy, boolean timer) {
        this.principals = principals;
        this.audit = audit;
        this.clock = clock;
        this.policy = policy;
        this.timer = timer;
    }

    /**
     * Grants {@code agentId} ring {@code ring} for {@code ttlMillis} (0: the policy's default TTL),
     * replacing a grant it has.
     *
     * @param only comma-separated {@code ClassGlob#methodGlob} method patterns and tool-name globs, or
     *             null for every call
     * @return a one-line summary for the operator
     * @throws IllegalArgumentException when the policy or the arguments do not allow the grant (the
     *                                  message says why)
     */
    public synchronized String elevate(String agentId, int ring, long ttlMillis, String reason, String only, String by) {
        Principal p = agent(agentId);
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a reason is required: it goes into the audit log");
        }
        Policy.ElevationSpec spec = policy.get().elevation();
        if (!Rings.isValid(ring)) {
            throw new IllegalArgumentException("ring " + ring + " does not exist (rings are 0 to 3)");
        }
        if (ring == 0 && !spec.allowRing0()) {
            throw new IllegalArgumentException("ring 0 (kernel) is never granted by elevation unless the policy says"
                    + " elevation.allowRing0: true");
        }
        if (ring >= p.grantedRing()) {
            throw new IllegalArgumentException("agent '" + agentId + "' is granted ring " + p.grantedRing()
                    + " by the policy already; an elevation grants a more privileged ring (a lower number)");
        }
        long ttl = ttlMillis <= 0 ? spec.defaultTtlMillis() : ttlMillis;
        if (ttl > spec.maxTtlMillis()) {
            throw new IllegalArgumentException("a TTL of " + Durations.format(ttl) + " is longer than the policy's"
                    + " elevation.maxTtl (" + Durations.format(spec.maxTtlMillis()) + ")");
        }
        if (p.quarantine() != null && p.effectiveRing() == Rings.QUARANTINED) {
            throw new IllegalArgumentException("agent '" + agentId + "' is quarantined; release it first");
        }
        String onlyText = only == null || only.isBlank() ? null : only.strip();
        long now = clock.getAsLong();
        long until = now + ttl < now ? Long.MAX_VALUE : now + ttl;
        Elevation e = new Elevation(ids.incrementAndGet(), ring, now, until, reason, by, onlyText);
        Elevation replaced = p.elevation();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", p.id());
        fields.put("grant", e.id());
        fields.put("ring", (long) ring);
        fields.put("grantedRing", (long) p.grantedRing());
        fields.put("trust", p.trust());
        fields.put("ttlMillis", ttl);
        fields.put("until", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(until)));
        fields.put("only", onlyText == null ? "*" : onlyText);
        fields.put("reason", reason);
        fields.put("by", by);
        if (replaced != null) {
            fields.put("replaces", replaced.id());
        }
        // Strict: a grant the audit log cannot show is not made (fail closed).
        audit.record("elevation.granted", fields);
        principals.setElevation(p, e);
        scheduleExpiry(p, e, ttl);
        int reachable = Rings.effectiveRing(ring, p.trust(), principals.floors());
        String summary = "agent '" + agentId + "' elevated to ring " + ring + " for " + Durations.format(ttl) + " (until "
                + org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(until)) + ")" + (onlyText == null ? "" : " for " + onlyText + " only") + " by " + by
                + ": " + reason;
        if (reachable > ring) {
            summary += " (its trust " + p.trust() + " is below ring " + ring + "'s floor: it reaches ring " + reachable
                    + " at most until its trust rises)";
        }
        LOG.warn("ELEVATE " + summary);
        return summary;
    }

    /** Ends {@code agentId}'s elevation now. */
    public synchronized String revoke(String agentId, String reason, String by) {
        Principal p = agent(agentId);
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a reason is required: it goes into the audit log");
        }
        Elevation e = p.elevation();
        if (e == null) {
            return "agent '" + agentId + "' has no elevation";
        }
        principals.setElevation(p, null);
        if (e.expired(clock.getAsLong())) {
            auditExpiry(p, e);
            return "agent '" + agentId + "' has no elevation (it had expired)";
        }
        Map<String, Object> fields = fields(p, e);
        fields.put("reason", reason);
        fields.put("by", by);
        fields.put("grantReason", e.reason());
        audit.recordBestEffort("elevation.revoked", fields);
        String summary = "agent '" + agentId + "': elevation to ring " + e.ring() + " revoked by " + by + ": " + reason
                + " (used " + e.uses() + " time(s))";
        LOG.warn("REVOKE " + summary);
        return summary;
    }

    /**
     * The slow path of a governed call about to be denied: whether {@code p}'s elevation allows it.
     * Counts the use (audits the first one per method); an expired grant is cleared here.
     */
    public boolean permitsMethod(Principal p, int requiredRing, String className, String methodName, String display) {
        Elevation e = p.elevation();
        return e != null && e.coversMethod(className, methodName, display) && permits(p, e, requiredRing, display, "method");
    }

    /**
     * A framework tool call about to be denied: whether {@code p}'s elevation allows it.
     *
     * @param use false to ask without counting a use (whether to offer the tool to the model)
     */
    public boolean permitsTool(Principal p, int requiredRing, String tool, boolean use) {
        Elevation e = p.elevation();
        if (e == null || !e.coversTool(tool)) {
            return false;
        }
        if (!use) {
            return !e.expired(clock.getAsLong()) && reachable(p, e) <= requiredRing;
        }
        return permits(p, e, requiredRing, "tool '" + tool + "'", "tool");
    }

    private boolean permits(Principal p, Elevation e, int requiredRing, String target, String kind) {
        if (e.expired(clock.getAsLong())) {
            expire(p, e);
            return false;
        }
        if (p.effectiveRing() == Rings.QUARANTINED || reachable(p, e) > requiredRing) {
            return false; // a quarantine wins; the trust floors still apply
        }
        if (e.use(target)) {
            Map<String, Object> fields = fields(p, e);
            fields.put(kind, target);
            fields.put("requiredRing", (long) requiredRing);
            fields.put("effectiveRing", (long) p.effectiveRing());
            fields.put("reason", e.reason());
            audit.recordBestEffort("elevation.used", fields);
            LOG.info("ELEVATED agent '" + p.id() + "' (effective ring " + p.effectiveRing() + ", elevated to ring "
                    + e.ring() + ") calls " + target + " (requires ring " + requiredRing + "); first use under grant "
                    + e.id());
        }
        return true;
    }

    /** The ring the grant gives under the agent's trust now: the floors apply as to a granted ring. */
    private int reachable(Principal p, Elevation e) {
        int base = Rings.effectiveRing(Math.min(e.ring(), p.grantedRing()), p.trust(), principals.floors());
        return Math.min(base, p.effectiveRing());
    }

    /** The agent's elevation as {@code trust list} shows it, or null; an expired one is cleared here. */
    public String describe(Principal p) {
        Elevation e = p.elevation();
        if (e == null) {
            return null;
        }
        if (e.expired(clock.getAsLong())) {
            expire(p, e);
            return null;
        }
        return "elevated to ring " + e.ring() + " until " + org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(e.untilMillis()))
                + (e.only() == null ? "" : " for " + e.only() + " only") + " by " + e.by() + ": " + e.reason() + " (used "
                + e.uses() + " time(s))";
    }

    /** Every live elevation, by agent. */
    public Map<String, String> describeAll() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Principal p : principals.agents()) {
            String state = describe(p);
            if (state != null) {
                out.put(p.id(), state);
            }
        }
        return out;
    }

    /** Stops the expiry timer (at shutdown). */
    public synchronized void close() {
        if (expiries != null) {
            expiries.shutdownNow();
        }
    }

    private synchronized void expire(Principal p, Elevation e) {
        if (p.elevation() != e) {
            return; // replaced, revoked or expired meanwhile
        }
        principals.setElevation(p, null);
        auditExpiry(p, e);
    }

    private void auditExpiry(Principal p, Elevation e) {
        Map<String, Object> fields = fields(p, e);
        fields.put("since", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(e.sinceMillis())));
        fields.put("until", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(e.untilMillis())));
        fields.put("reason", e.reason());
        fields.put("by", e.by());
        audit.recordBestEffort("elevation.expired", fields);
        LOG.warn("EXPIRED agent '" + p.id() + "': its elevation to ring " + e.ring() + " ended (" + e.by() + ": "
                + e.reason() + "; used " + e.uses() + " time(s)); effective ring " + p.effectiveRing());
    }

    private void scheduleExpiry(Principal p, Elevation e, long ttl) {
        if (!timer) {
            return;
        }
        if (expiries == null) {
            expiries = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "agent-hypervisor-elevation");
                t.setDaemon(true);
                return t;
            });
            expiries.setRemoveOnCancelPolicy(true);
        }
        expiries.schedule(() -> {
            if (e.expired(clock.getAsLong())) {
                expire(p, e);
            }
        }, ttl, TimeUnit.MILLISECONDS);
    }

    private Principal agent(String agentId) {
        if (agentId == null || !KeyDirectory.isValidId(agentId) || "host".equals(agentId)
                || KeyDirectory.isReservedId(agentId) || Principals.UNIDENTIFIED.equals(agentId)) {
            throw new IllegalArgumentException("'" + agentId + "' is not an agent id (ids match"
                    + " [a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?; the host is not elevated)");
        }
        return principals.agent(agentId);
    }

    private static Map<String, Object> fields(Principal p, Elevation e) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", p.id());
        fields.put("grant", e.id());
        fields.put("ring", (long) e.ring());
        fields.put("uses", e.uses());
        return fields;
    }
}
