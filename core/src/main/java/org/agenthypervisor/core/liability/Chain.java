package org.agenthypervisor.core.liability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The vouching chain of the payload a task currently holds: every agent that vouched for it, each at
 * its nearest distance as a sender, and the ids of the vouches that delivered it directly (the
 * <em>parents</em> of the next vouch). Lives in {@code Context.chain}. Immutable and thread-safe.
 *
 * <p>Distance 1 is the sender of a vouch that delivered the payload to the holder; the chain of
 * that sender's own payload is one hop further. So when A hands to B and B hands to C, C's chain is
 * {B: 1, A: 2}. The holder itself may appear (a payload that went out and came back carries the
 * holder's own vouch); who is slashed or checked decides what to do with it.
 *
 * <h2>Shape and cost</h2>
 * Three parallel arrays sorted by principal index: the index, the nearest distance and, for entries
 * at distance 1, the id of the latest vouch that agent delivered (else null). Its size is bounded by
 * the number of agents in the JVM, whatever the number of hand-offs, and every operation is one
 * linear pass: {@link #handedBy} (shift everything one hop and add the sender) and {@link #merge}
 * (element-wise minimum, a sorted merge) are O(number of agents). An agent that delivered several
 * payloads directly keeps only its latest vouch id as a parent: the parents say which vouches
 * brought the payload, one per direct sender, not every hand-off ever made.
 */
public final class Chain {
    /** The chain of a payload nobody vouched for (what the host and a fresh agent hold). */
    public static final Chain EMPTY = new Chain(new int[0], new int[0], new String[0]);

    private final int[] agents;
    private final int[] distances;
    private final String[] vouches;

    private Chain(int[] agents, int[] distances, String[] vouches) {
        this.agents = agents;
        this.distances = distances;
        this.vouches = vouches;
    }

    /** The chain in a context's {@code chain} slot: null (or anything else) means empty. */
    public static Chain of(Object slot) {
        return slot instanceof Chain ? (Chain) slot : EMPTY;
    }

    /**
     * A chain built from (principal index, distance) pairs, for tests and tools; an index given twice
     * keeps its nearest distance.
     *
     * @param pairs index, distance, index, distance, ...; distances at least 1
     */
    public static Chain ofDistances(int... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("pairs of (index, distance) expected");
        }
        Chain out = EMPTY;
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i] < 0 || pairs[i + 1] < 1) {
                throw new IllegalArgumentException("index must be >= 0 and distance >= 1: " + pairs[i] + ", " + pairs[i + 1]);
            }
            out = out.merge(new Chain(new int[] {pairs[i]}, new int[] {pairs[i + 1]}, new String[1]));
        }
        return out;
    }

    /**
     * The chain of the payload after {@code sender} (whose own payload had this chain) handed it on
     * with vouch {@code vouchId}: every entry one hop further, no direct vouches but the new one, and
     * the sender at distance 1.
     */
    public Chain handedBy(int sender, String vouchId) {
        int n = agents.length;
        int at = Arrays.binarySearch(agents, sender);
        int size = at >= 0 ? n : n + 1;
        int[] a = new int[size];
        int[] d = new int[size];
        String[] v = new String[size];
        int insert = at >= 0 ? at : -at - 1;
        for (int i = 0, o = 0; o < size; o++) {
            if (o == insert) {
                a[o] = sender;
                d[o] = 1;
                v[o] = vouchId;
                if (at >= 0) {
                    i++;
                }
            } else {
                a[o] = agents[i];
                d[o] = saturatedIncrement(distances[i]);
                i++;
            }
        }
        return new Chain(a, d, v);
    }

    /**
     * The chain of a holder that has both payloads: every agent at its nearer distance. For an agent
     * at distance 1 in both, {@code other}'s vouch (the newer payload) is kept as the parent.
     */
    public Chain merge(Chain other) {
        if (other.agents.length == 0) {
            return this;
        }
        if (agents.length == 0) {
            return other;
        }
        int[] a = new int[agents.length + other.agents.length];
        int[] d = new int[a.length];
        String[] v = new String[a.length];
        int i = 0;
        int j = 0;
        int o = 0;
        while (i < agents.length || j < other.agents.length) {
            if (j >= other.agents.length || (i < agents.length && agents[i] < other.agents[j])) {
                a[o] = agents[i];
                d[o] = distances[i];
                v[o] = vouches[i];
                i++;
            } else if (i >= agents.length || other.agents[j] < agents[i]) {
                a[o] = other.agents[j];
                d[o] = other.distances[j];
                v[o] = other.vouches[j];
                j++;
            } else {
                a[o] = agents[i];
                int mine = distances[i];
                int theirs = other.distances[j];
                d[o] = Math.min(mine, theirs);
                v[o] = theirs <= mine && other.vouches[j] != null ? other.vouches[j]
                        : mine <= theirs ? vouches[i] : null;
                i++;
                j++;
            }
            o++;
        }
        if (o == a.length) {
            return new Chain(a, d, v);
        }
        return new Chain(Arrays.copyOf(a, o), Arrays.copyOf(d, o), Arrays.copyOf(v, o));
    }

    private static int saturatedIncrement(int distance) {
        return distance == Integer.MAX_VALUE ? distance : distance + 1;
    }

    /** Number of agents in the chain. */
    public int size() {
        return agents.length;
    }

    public boolean isEmpty() {
        return agents.length == 0;
    }

    /** The principal index of the i-th entry (entries are sorted by index). */
    public int agentAt(int i) {
        return agents[i];
    }

    /** The nearest distance of the i-th entry, at least 1. */
    public int distanceAt(int i) {
        return distances[i];
    }

    /** The distance of the principal with this index, or 0 if it is not in the chain. */
    public int distanceOf(int index) {
        int at = Arrays.binarySearch(agents, index);
        return at >= 0 ? distances[at] : 0;
    }

    /** The ids of the vouches that delivered the payload directly, ordered by sender index. */
    public List<String> parents() {
        List<String> out = new ArrayList<>(2);
        for (String v : vouches) {
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    /** Entry positions ordered by (distance, then name as given), for deterministic reports. */
    public int[] byDistance(IntFunction<String> names) {
        Integer[] order = new Integer[agents.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> distances[x] != distances[y] ? Integer.compare(distances[x], distances[y])
                : names.apply(agents[x]).compareTo(names.apply(agents[y])));
        int[] out = new int[order.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = order[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chain && Arrays.equals(agents, ((Chain) o).agents)
                && Arrays.equals(distances, ((Chain) o).distances) && Arrays.equals(vouches, ((Chain) o).vouches);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(agents) * 31 + Arrays.hashCode(distances)) * 31 + Arrays.hashCode(vouches);
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("Chain[");
        for (int i = 0; i < agents.length; i++) {
            if (i > 0) {
                out.append(", ");
            }
            out.append('#').append(agents[i]).append(" d").append(distances[i]);
            if (vouches[i] != null) {
                out.append(" via ").append(vouches[i]);
            }
        }
        return out.append(']').toString();
    }
}
