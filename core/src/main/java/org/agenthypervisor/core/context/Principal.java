package org.agenthypervisor.core.context;

/**
 * A principal code can run as: an agent, or the host (the application itself). One instance per id
 * for the life of the JVM, so the hot path can compare principals by identity; policy reloads and
 * trust changes update the instance in place.
 *
 * <p>{@link #effectiveRing} is what the ring check reads. It is a cache of
 * {@code Rings.effectiveRing(grantedRing, trust, floors)}, recomputed by whoever changes the grant,
 * the trust or the floors, and volatile so the next call on any thread sees a demotion at once.
 */
public final class Principal {
    private final String id;
    private final int index;
    private final boolean host;

    private volatile int effectiveRing;
    private volatile int grantedRing;
    private volatile double trust;
    private volatile double initialTrust;
    private volatile double minTrust;
    /** Whether the policy names this agent (as opposed to only an {@code @Agent} annotation). */
    private volatile boolean inPolicy;
    /** The agent's quarantine, or null; while set, the effective ring is {@code Rings.QUARANTINED}. */
    private volatile Quarantine quarantine;
    /**
     * The operator's live grant of a more privileged ring, or null. Read only off the allowed path (a
     * call the agent's effective ring does not allow asks it before denying), so it costs the allowed
     * path nothing.
     */
    private volatile org.agenthypervisor.core.elevation.Elevation elevation;
    /** Null when no rate limit applies: the gate's allowed path then reads this field and nothing more. */
    private volatile org.agenthypervisor.core.ratelimit.AgentLimits rateLimits;

    /**
     * An agent's quarantine: governed calls and hand-offs refused until {@code untilMillis} or a
     * release. A kill is a quarantine until {@code Long.MAX_VALUE}.
     *
     * @param sinceMillis when it began (epoch milliseconds)
     * @param untilMillis when it expires, {@code Long.MAX_VALUE} for a kill
     * @param reason      the operator's reason or the breach that tripped
     * @param by          who: {@code jmx}, {@code breach}, {@code api}
     * @param killed      whether it is a kill (indefinite; unfinished sagas compensated)
     */
    public record Quarantine(long sinceMillis, long untilMillis, String reason, String by, boolean killed) {
        public boolean expired(long nowMillis) {
            return nowMillis >= untilMillis;
        }
    }

    Principal(String id, int index, boolean host, int grantedRing, double trust, double minTrust) {
        this.id = id;
        this.index = index;
        this.host = host;
        this.grantedRing = grantedRing;
        this.effectiveRing = grantedRing;
        this.trust = trust;
        this.initialTrust = trust;
        this.minTrust = minTrust;
    }

    public String id() {
        return id;
    }

    /** A dense index (host is 0), for bit sets and arrays indexed by principal. */
    public int index() {
        return index;
    }

    public boolean isHost() {
        return host;
    }

    /** The ring the check compares against the required ring. */
    public int effectiveRing() {
        return effectiveRing;
    }

    public int grantedRing() {
        return grantedRing;
    }

    /** The live trust score σ in [0, 1]; the host's is always 1. */
    public double trust() {
        return trust;
    }

    public double initialTrust() {
        return initialTrust;
    }

    public double minTrust() {
        return minTrust;
    }

    public boolean inPolicy() {
        return inPolicy;
    }

    /** The agent's quarantine, or null. */
    public Quarantine quarantine() {
        return quarantine;
    }

    /** The agent's elevation (live or expired but not yet cleared), or null. */
    public org.agenthypervisor.core.elevation.Elevation elevation() {
        return elevation;
    }

    void setElevation(org.agenthypervisor.core.elevation.Elevation elevation) {
        this.elevation = elevation;
    }

    /** The agent's rate limits, or null when none applies. */
    public org.agenthypervisor.core.ratelimit.AgentLimits rateLimits() {
        return rateLimits;
    }

    void setRateLimits(org.agenthypervisor.core.ratelimit.AgentLimits rateLimits) {
        this.rateLimits = rateLimits;
    }

    /** Sets or clears the quarantine; the caller recomputes the effective ring afterwards. */
    void setQuarantine(Quarantine quarantine) {
        this.quarantine = quarantine;
    }

    /** Sets the policy-derived settings; the caller recomputes the effective ring afterwards. */
    void configure(int grantedRing, double initialTrust, double minTrust, boolean inPolicy) {
        this.grantedRing = grantedRing;
        this.initialTrust = initialTrust;
        this.minTrust = minTrust;
        this.inPolicy = inPolicy;
    }

    /** Sets the live trust; the caller recomputes the effective ring afterwards. */
    void setTrust(double trust) {
        this.trust = trust;
    }

    void setEffectiveRing(int ring) {
        this.effectiveRing = ring;
    }

    @Override
    public String toString() {
        return id;
    }
}
