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
 * <p>With a data directory every change is saved there ({@link QuarantineFile}) before the operator
 * is answered, and {@link #restore} puts the quarantines still in force back at the next start, so a
 * restart releases nobody. With a shared store the file is still this JVM's own: other JVMs of the
 * application do not see it.
 */
public final class Quarantines {
    private static final Log LOG = Log.get("quarantine");

    private final Principals principals;
    private final AuditTrail audit;
    private final LongSupplier clock;
    /** Refused calls are each audited; at most this many log lines a second. */
    private final RateLimiter lines = new RateLimiter(20);

    /** Null: quarantines live in memory only. */
    private final QuarantineFile file;

    /** Quarantines kept in memory only (tests). */
    public Quarantines(Principals principals, AuditTrail audit, LongSupplier clock) {
        this(principals, audit, clock, null);
    }

    /** Quarantines saved in {@code dataDir} (null: in memory only); call {@link #restore} once at start. */
    public Quarantines(Principals principals, AuditTrail audit, LongSupplier clock, java.nio.file.Path dataDir) {
        this.principals = principals;
        this.audit = audit;
        this.clock = clock;
        this.file = dataDir == null ? null : new QuarantineFile(dataDir);
    }

    /**
     * Puts back the saved quarantines still in force (audited {@code quarantine.restored}); drops the
     * expired ones.
     *
     * @return how many were restored
     * @throws java.io.IOException naming the file when it cannot be read: the caller must not start
     */
    public synchronized int restore() throws java.io.IOException {
        if (file == null) {
            return 0;
        }
        long now = clock.getAsLong();
        int restored = 0;
        boolean dropped = false;
        for (QuarantineFile.Saved s : file.read()) {
            Quarantine q = s.quarantine();
            if (q.expired(now)) {
                dropped = true;
                continue;
            }
            Principal p = principals.agent(s.agent());
            principals.setQuarantine(p, q);
            Map<String, Object> fields = fields(p, q.reason(), q.by());
            fields.put("killed", q.killed());
            fields.put("since", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(q.sinceMillis())));
            if (!q.killed()) {
                fields.put("until", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(q.untilMillis())));
            }
            audit.recordBestEffort("quarantine.restored", fields);
            LOG.warn("QUARANTINE restored from " + file.path() + ": agent '" + p.id() + "' "
                    + (q.killed() ? "killed" : "quarantined until " + org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(q.untilMillis()))) + " by "
                    + q.by() + ": " + q.reason());
            restored++;
        }
        if (dropped) {
            save();
        }
        return restored;
    }

    /**
     * Removes {@code agentId}'s saved quarantine from a data directory no JVM runs on (the operator's
     * way out when the application cannot start with the agent quarantined).
     *
     * @return the removed quarantine as {@code trust list} would describe it, or null when none was saved
     * @throws java.io.IOException naming the file when it cannot be read or written (it is then unchanged)
     */
    public static String releaseSaved(java.nio.file.Path dataDir, String agentId) throws java.io.IOException {
        QuarantineFile file = new QuarantineFile(dataDir);
        java.util.List<QuarantineFile.Saved> kept = new java.util.ArrayList<>();
        Quarantine removed = null;
        for (QuarantineFile.Saved s : file.read()) {
            if (s.agent().equals(agentId)) {
                removed = s.quarantine();
            } else {
                kept.add(s);
            }
        }
        if (removed == null) {
            return null;
        }
        file.write(kept);
        return (removed.killed() ? "killed" : "quarantined until " + org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(removed.untilMillis()))) + " by "
                + removed.by() + ": " + removed.reason();
    }

    /**
     * Saves every quarantine in force. On failure the change still holds in this JVM (the safe side
     * for a quarantine; for a release, the next start quarantines the agent again): the returned text
     * says so to the operator, and the log says it loudly.
     */
    private String save() {
        if (file == null) {
            return "";
        }
        java.util.List<QuarantineFile.Saved> all = new java.util.ArrayList<>();
        for (Principal p : principals.agents()) {
            Quarantine q = p.quarantine();
            if (q != null) {
                all.add(new QuarantineFile.Saved(p.id(), q));
            }
        }
        try {
            file.write(all);
            return "";
        } catch (java.io.IOException | RuntimeException failed) {
            String warning = " (NOT SAVED in " + file.path() + ": " + failed.getMessage() + "; it holds in this JVM,"
                    + " and the file still has the quarantines before this change)";
            LOG.error("cannot save the quarantines in " + file.path() + ": " + failed, failed);
            return warning;
        }
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
        String unsaved = save();
        Map<String, Object> fields = fields(p, reason, by);
        fields.put("millis", millis);
        fields.put("until", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(until)));
        audit.recordBestEffort("quarantine.set", fields);
        String summary = "agent '" + agentId + "' quarantined for " + Durations.format(millis) + " (until "
                + org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(until)) + ") by " + by + ": " + reason + unsaved;
        LOG.warn("QUARANTINE " + summary);
        return summary;
    }

    /** Kills {@code agentId}: quarantined until released. */
    public synchronized String kill(String agentId, String reason, String by) {
        Principal p = agent(agentId);
        requireReason(reason);
        long now = clock.getAsLong();
        principals.setQuarantine(p, new Quarantine(now, Long.MAX_VALUE, reason, by, true));
        String unsaved = save();
        audit.recordBestEffort("agent.killed", fields(p, reason, by));
        String summary = "agent '" + agentId + "' killed by " + by + ": " + reason
                + " (every governed call and hand-off refused until released; a saga in progress is compensated"
                + " at its next step)" + unsaved;
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
        String unsaved = save();
        Map<String, Object> fields = fields(p, reason, by);
        fields.put("quarantinedBy", q.by());
        fields.put("quarantineReason", q.reason());
        fields.put("killed", q.killed());
        audit.recordBestEffort("quarantine.released", fields);
        String summary = "agent '" + agentId + "' released by " + by + ": " + reason + " (effective ring now "
                + p.effectiveRing() + ")" + unsaved;
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
        return refusal(who, caller, method, "call " + method);
    }

    /**
     * A quarantined agent's access to shared session state: the exception to throw, or null when the
     * quarantine has just expired (or there is none).
     *
     * @param access {@code read} or {@code write}
     */
    public AgentQuarantinedException sessionRefusal(Principal who, String access, String key, String session) {
        return refusal(who, who, "session '" + session + "' key '" + key + "' (" + access + ")",
                access + " key '" + key + "' of session '" + session + "'");
    }

    private AgentQuarantinedException refusal(Principal who, Principal caller, String method, String action) {
        Quarantine q = who.quarantine();
        if (q == null) {
            return null;
        }
        if (q.expired(clock.getAsLong())) {
            expire(who, q);
            return null;
        }
        String until = q.killed() ? "until an operator releases it (killed)"
                : "until " + org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(q.untilMillis())) + " or an operator releases it";
        String message = caller == who
                ? "agent '" + who.id() + "' may not " + action + ": it is quarantined " + until + " ("
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
        save(); // a failure is logged; the next start drops the expired entry anyway
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("agent", who.id());
        fields.put("since", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(q.sinceMillis())));
        fields.put("until", org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(q.untilMillis())));
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
        return (q.killed() ? "killed" : "quarantined until " + org.agenthypervisor.core.encoding.IsoInstant.format(Instant.ofEpochMilli(q.untilMillis()))) + " by " + q.by()
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
