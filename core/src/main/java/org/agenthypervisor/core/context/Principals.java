package org.agenthypervisor.core.context;

import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.Policy.AgentSpec;
import org.agenthypervisor.core.policy.Policy.TrustSpec;
import org.agenthypervisor.core.rings.Rings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The directory of principals: the host and every agent seen so far, by id and by dense index.
 * Agents named only by {@code @Agent} get the defaults (ring 3, trust 1.0, minimum trust 0.5).
 * Everything that changes a grant, a trust score or the floors goes through here so the cached
 * effective ring is always recomputed.
 */
public final class Principals {
    /** Defaults for agents the policy does not name (SPEC §2, §3). */
    public static final int DEFAULT_RING = 3;
    public static final double DEFAULT_TRUST = 1.0;
    public static final double DEFAULT_MIN_TRUST = 0.5;

    /**
     * The host: one per JVM, a constant the ring check can read without loading it from anywhere.
     * Each {@link Principals} configures it from its policy.
     */
    public static final Principal HOST = new Principal("host", 0, true, 0, 1.0, 0.0);

    private final Principal host = HOST;
    /** A principal outside the directory, used only by the agent's post-install self-check. */
    private final Principal selfCheck = new Principal("hypervisor.selfcheck", -1, false, 3, 1.0, 0.5);
    /**
     * What a framework tool call made outside every agent runs as: never the host. Outside the
     * directory (no trust score, never slashed, never in a chain); its ring is
     * {@code frameworks.unidentifiedRing}.
     */
    private final Principal unidentified = new Principal(UNIDENTIFIED, -1, false, 3, 1.0, 0.0);

    /** The id of {@link #unidentified()}, reserved in policies. */
    public static final String UNIDENTIFIED = "unidentified";
    private final Map<String, Principal> byId = new ConcurrentHashMap<>();
    private volatile Principal[] byIndex;
    private volatile TrustSpec floors;
    private volatile Map<String, AgentSpec> specs = Map.of();
    /** Where live trust comes from when an agent first appears: the trust ledger, once it exists. */
    private volatile Function<String, OptionalDouble> persistedTrust = NoPersistedTrust.INSTANCE;

    /**
     * Until the ledger exists, nothing is persisted. A class, not a lambda: each lambda costs ~0.5 ms to
     * link at start-up (issue 11).
     */
    private static final class NoPersistedTrust implements Function<String, OptionalDouble> {
        static final NoPersistedTrust INSTANCE = new NoPersistedTrust();

        @Override
        public OptionalDouble apply(String id) {
            return OptionalDouble.empty();
        }
    }

    public Principals(Policy policy) {
        this.byIndex = new Principal[] {host};
        apply(policy);
    }

    public Principal host() {
        return host;
    }

    /** The self-check's principal: ring 3, never listed, never audited. */
    public Principal selfCheck() {
        return selfCheck;
    }

    /** The principal of framework tool calls made outside every agent (see the field). */
    public Principal unidentified() {
        return unidentified;
    }

    /** The agent with this id, or null if it was never seen and the policy does not name it. */
    public Principal find(String id) {
        return byId.get(id);
    }

    /** The agent with this id, created with the policy's or the default settings if new. */
    public Principal agent(String id) {
        Principal existing = byId.get(id);
        return existing != null ? existing : create(id);
    }

    private synchronized Principal create(String id) {
        Principal existing = byId.get(id);
        if (existing != null) {
            return existing;
        }
        if (KeyDirectory.isReservedId(id)) {
            // Fail closed: an agent of this name would sign hand-offs with the hypervisor's own key.
            throw new IllegalArgumentException("refused agent id '" + id + "': it is reserved (in any case) for the"
                    + " hypervisor's own signing key; no agent may be named so");
        }
        Principal[] old = byIndex;
        AgentSpec spec = specs.get(id);
        Principal p = spec != null
                ? new Principal(id, old.length, false, spec.ring(), spec.trust(), spec.minTrust())
                : new Principal(id, old.length, false, DEFAULT_RING, DEFAULT_TRUST, DEFAULT_MIN_TRUST);
        if (spec != null) {
            p.configure(spec.ring(), spec.trust(), spec.minTrust(), true);
        }
        OptionalDouble persisted = persistedTrust.apply(id);
        if (persisted.isPresent()) {
            p.setTrust(persisted.getAsDouble());
        }
        recompute(p);
        org.agenthypervisor.core.ratelimit.RateLimits limits = rateLimits;
        if (limits != null) {
            p.setRateLimits(limits.limitsFor(id, false));
        }
        Principal[] grown = Arrays.copyOf(old, old.length + 1);
        grown[p.index()] = p;
        byIndex = grown;
        byId.put(id, p);
        return p;
    }

    /**
     * Applies a (re)loaded policy: grants, initial and minimum trust, the host ring and the floors.
     * Live trust scores are kept; only agents never seen before start from the policy's initial trust.
     */
    public synchronized void apply(Policy policy) {
        this.floors = policy.trust();
        this.specs = Map.copyOf(policy.agents());
        host.configure(policy.host().ring(), 1.0, 0.0, true);
        recompute(host);
        unidentified.configure(policy.frameworks().unidentifiedRing(), 1.0, 0.0, true);
        unidentified.setEffectiveRing(policy.frameworks().unidentifiedRing());
        for (Principal p : byIndex) {
            if (p.isHost()) {
                continue;
            }
            AgentSpec spec = specs.get(p.id());
            if (spec != null) {
                p.configure(spec.ring(), spec.trust(), spec.minTrust(), true);
            } else {
                p.configure(DEFAULT_RING, DEFAULT_TRUST, DEFAULT_MIN_TRUST, false);
            }
            recompute(p);
        }
        for (String id : policy.agents().keySet()) {
            agent(id);
        }
    }

    private volatile org.agenthypervisor.core.ratelimit.RateLimits rateLimits;

    /**
     * Installs (or, after a reload, re-applies) the rate limits: every agent gets the buckets of the
     * current policy (new, full ones); the host and {@code unidentified} are never limited.
     */
    public synchronized void useRateLimits(org.agenthypervisor.core.ratelimit.RateLimits limits) {
        this.rateLimits = limits;
        for (Principal p : byIndex) {
            if (!p.isHost()) {
                p.setRateLimits(limits == null ? null : limits.limitsFor(p.id(), false));
            }
        }
    }

    /** Installs the lookup of persisted trust and applies it to the agents already known. */
    public synchronized void usePersistedTrust(Function<String, OptionalDouble> lookup) {
        this.persistedTrust = lookup;
        for (Principal p : byIndex) {
            if (!p.isHost()) {
                OptionalDouble persisted = lookup.apply(p.id());
                if (persisted.isPresent()) {
                    p.setTrust(persisted.getAsDouble());
                    recompute(p);
                }
            }
        }
    }

    /** Sets an agent's live trust (clamped to [0, 1]) and recomputes its effective ring at once. */
    public void setTrust(Principal p, double trust) {
        if (p.isHost()) {
            throw new IllegalArgumentException("the host has no trust score");
        }
        p.setTrust(Math.max(0.0, Math.min(1.0, trust)));
        recompute(p);
    }

    /**
     * A frozen copy of {@code p}'s privileges for {@link Context#pinnedTo}: same id and index, its
     * effective ring fixed at {@code effectiveRing}. The copy is not in the directory, so trust changes
     * and reloads never touch it (a compensation keeps the privileges its step had, SPEC §4).
     */
    public Principal pinned(Principal p, int effectiveRing) {
        Principal copy = new Principal(p.id(), p.index(), p.isHost(), p.grantedRing(), p.trust(), p.minTrust());
        copy.setEffectiveRing(effectiveRing);
        return copy;
    }

    private void recompute(Principal p) {
        p.setEffectiveRing(p.isHost() ? p.grantedRing() : p.quarantine() != null ? Rings.QUARANTINED
                : Rings.effectiveRing(p.grantedRing(), p.trust(), floors));
    }

    /**
     * Quarantines an agent (null releases it) and recomputes its effective ring at once: while
     * quarantined it is {@link Rings#QUARANTINED}, which every ring check refuses.
     */
    public void setQuarantine(Principal p, Principal.Quarantine quarantine) {
        if (p.isHost()) {
            throw new IllegalArgumentException("the host cannot be quarantined");
        }
        p.setQuarantine(quarantine);
        recompute(p);
    }

    /**
     * Sets or clears an agent's elevation (issue 15). The effective ring is not touched: an elevation
     * is consulted only when a call is about to be denied, so it never widens what the effective ring
     * decides elsewhere (capabilities, session keys, {@code Hypervisor.effectiveRing}).
     */
    public void setElevation(Principal p, org.agenthypervisor.core.elevation.Elevation elevation) {
        if (p.isHost()) {
            throw new IllegalArgumentException("the host cannot be elevated");
        }
        p.setElevation(elevation);
    }

    /** The principal with this index (host is 0). */
    public Principal byIndex(int index) {
        return byIndex[index];
    }

    /** Every agent seen so far (not the host), by id. */
    public List<Principal> agents() {
        List<Principal> out = new ArrayList<>();
        for (Principal p : byIndex) {
            if (!p.isHost()) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparing(Principal::id));
        return out;
    }

    public TrustSpec floors() {
        return floors;
    }
}
