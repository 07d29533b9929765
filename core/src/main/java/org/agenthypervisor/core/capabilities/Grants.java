package org.agenthypervisor.core.capabilities;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one agent at one ring may do, compiled: per capability, everything, nothing, or the targets
 * matching one of its patterns. Immutable (a policy reload builds new ones), except for the per-target
 * cache of match results, so a granted agent that connects to the same host again pays a hash lookup,
 * not a regular-expression match.
 */
public final class Grants {
    /** Entries per capability before the cache starts over (targets an agent makes up cannot grow it without bound). */
    static final int CACHE_LIMIT = 4096;

    private final boolean[] all = new boolean[Capability.values().length];
    private final TargetPattern[][] patterns = new TargetPattern[Capability.values().length][];
    @SuppressWarnings("unchecked")
    private final ConcurrentHashMap<String, Boolean>[] cache = new ConcurrentHashMap[Capability.values().length];
    /**
     * Addresses a connect was allowed to (an {@code InetSocketAddress} compares by address and port,
     * or by unresolved name and port): allowed once, allowed again at the cost of a hash lookup.
     * Only allowances are kept, since a denial by one name may be an allowance by another.
     */
    private final ConcurrentHashMap<Object, Boolean> connectAllowed = new ConcurrentHashMap<>();
    /** Per capability, the policy key that decided it ("built-in default of ring 2", "agents.bot.capabilities..."). */
    private final String[] source = new String[Capability.values().length];

    private Grants(Map<Capability, Entry> entries) {
        for (Capability c : Capability.values()) {
            Entry e = entries.get(c);
            all[c.ordinal()] = e != null && e.all;
            patterns[c.ordinal()] = e == null ? new TargetPattern[0] : e.patterns.toArray(new TargetPattern[0]);
            cache[c.ordinal()] = new ConcurrentHashMap<>();
            source[c.ordinal()] = e == null ? null : e.source;
        }
    }

    /** Everything, for ring 0 and the host. */
    public static final Grants ALL = everything();

    private static Grants everything() {
        Map<Capability, Entry> m = new EnumMap<>(Capability.class);
        for (Capability c : Capability.values()) {
            m.put(c, new Entry(true, List.of(), "ring 0"));
        }
        return new Grants(m);
    }

    /** Whether every target of {@code c} is granted. */
    public boolean allowsAll(Capability c) {
        return all[c.ordinal()];
    }

    /** Whether {@code target} (as {@link CapabilityGate} writes it) is granted for {@code c}. */
    public boolean allows(Capability c, String target) {
        int i = c.ordinal();
        if (all[i]) {
            return true;
        }
        TargetPattern[] ps = patterns[i];
        if (ps.length == 0 || target == null) {
            return false;
        }
        ConcurrentHashMap<String, Boolean> hits = cache[i];
        Boolean hit = hits.get(target);
        if (hit != null) {
            return hit;
        }
        boolean ok = false;
        for (TargetPattern p : ps) {
            if (p.matches(target)) {
                ok = true;
                break;
            }
        }
        if (hits.size() >= CACHE_LIMIT) {
            hits.clear();
        }
        hits.put(target, ok);
        return ok;
    }

    /** Whether a connect to {@code address} was allowed before under these grants. */
    boolean connectAllowedBefore(Object address) {
        return connectAllowed.containsKey(address);
    }

    void rememberConnectAllowed(Object address) {
        if (connectAllowed.size() >= CACHE_LIMIT) {
            connectAllowed.clear();
        }
        connectAllowed.put(address, Boolean.TRUE);
    }

    /** The patterns granted for {@code c}, as written (empty when none, or when all is granted). */
    public List<String> patterns(Capability c) {
        List<String> out = new ArrayList<>();
        for (TargetPattern p : patterns[c.ordinal()]) {
            out.add(p.text());
        }
        return out;
    }

    /** Where the grant of {@code c} comes from, for messages; null when nothing grants it. */
    public String source(Capability c) {
        return source[c.ordinal()];
    }

    /** A human summary, for {@code policy check}: "network.connect: api.openai.com:443; files.read: ./**". */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Capability c : Capability.values()) {
            String v = all[c.ordinal()] ? "all" : patterns[c.ordinal()].length == 0 ? null
                    : String.join(", ", patterns(c));
            if (v != null) {
                b.append(b.length() == 0 ? "" : "; ").append(c.key()).append(": ").append(v);
            }
        }
        return b.length() == 0 ? "nothing" : b.toString();
    }

    static Builder builder() {
        return new Builder();
    }

    /** One capability while building: all, or patterns (with where they were written). */
    private static final class Entry {
        final boolean all;
        final List<TargetPattern> patterns;
        final String source;

        Entry(boolean all, List<TargetPattern> patterns, String source) {
            this.all = all;
            this.patterns = patterns;
            this.source = source;
        }
    }

    /** Assembles grants: a ring's defaults, then an agent's additions and removals. */
    static final class Builder {
        private final Map<Capability, Entry> entries = new EnumMap<>(Capability.class);

        Builder copy(Grants g) {
            for (Capability c : Capability.values()) {
                int i = c.ordinal();
                if (g.all[i] || g.patterns[i].length > 0) {
                    entries.put(c, new Entry(g.all[i], List.of(g.patterns[i]), g.source[i]));
                }
            }
            return this;
        }

        /** Replaces what {@code c} grants. */
        Builder set(Capability c, boolean all, List<TargetPattern> patterns, String source) {
            if (!all && patterns.isEmpty()) {
                entries.remove(c);
            } else {
                entries.put(c, new Entry(all, List.copyOf(patterns), source));
            }
            return this;
        }

        /** Adds patterns to what {@code c} grants (nothing changes if it already grants everything). */
        Builder add(Capability c, List<TargetPattern> more, String source) {
            Entry e = entries.get(c);
            if (e != null && e.all) {
                return this;
            }
            List<TargetPattern> joined = new ArrayList<>(e == null ? List.of() : e.patterns);
            joined.addAll(more);
            if (!joined.isEmpty()) {
                entries.put(c, new Entry(false, List.copyOf(joined), e == null ? source : e.source + " and " + source));
            }
            return this;
        }

        Grants build() {
            return new Grants(entries);
        }
    }
}
