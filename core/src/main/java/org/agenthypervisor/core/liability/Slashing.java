package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.policy.Policy.LiabilitySpec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;

/**
 * The slashing arithmetic of SPEC §3, as pure functions (no state, no I/O), so it can be tested and
 * property-checked alone.
 *
 * <ul>
 *   <li>the actor: σ → σ·(1 − severity);</li>
 *   <li>an agent of the chain at distance d ≥ 1: σ → max(floor, σ·(1 − ω·decay^(d−1))), and never
 *   above σ (an agent already below the floor stays where it is: slashing never raises a score);</li>
 *   <li>an agent reached twice is slashed once, at its nearest distance (the {@link Chain} keeps only
 *   the nearest); the actor and the excluded agent (a reporter) are not slashed as chain members;
 *   with {@code maxDepth} &gt; 0, agents further away are not slashed.</li>
 * </ul>
 *
 * <p>Every result is rounded to 12 decimal places ({@link #round}). Binary floating point would
 * otherwise turn 1·(1 − 0.95) into 0.050000000000000044, so a score that the SPEC and an operator
 * compute as 0.05 would print and compare as something else; twelve places are far below any
 * threshold that matters and make the stored scores reproducible decimals. Rounding never lets a
 * score rise: the result is capped at the score before.
 */
public final class Slashing {
    private static final double SCALE = 1e12;

    private Slashing() {
    }

    /** The parameters of one anomaly. */
    public record Params(double omega, double floor, double decay, int maxDepth) {
        public Params {
            check(omega, "omega");
            check(floor, "floor");
            check(decay, "decay");
            if (maxDepth < 0) {
                throw new IllegalArgumentException("maxDepth must be >= 0 (0 = unlimited), was " + maxDepth);
            }
        }

        /** The policy's floor, decay and depth with this ω. */
        public static Params of(LiabilitySpec spec, double omega) {
            return new Params(omega, spec.floor(), spec.decay(), spec.maxDepth());
        }
    }

    private static void check(double value, String name) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], was " + value);
        }
    }

    /** The actor's new score: σ·(1 − severity), in [0, σ]. */
    public static double actor(double sigma, double severity) {
        check(severity, "severity");
        double s = clamp(sigma);
        return Math.min(s, round(s * (1.0 - severity)));
    }

    /** The new score of a chain member at distance {@code d} ≥ 1, in [0, σ]. */
    public static double member(double sigma, int d, Params p) {
        if (d < 1) {
            throw new IllegalArgumentException("distance must be >= 1, was " + d);
        }
        double s = clamp(sigma);
        double hit = p.omega() * Math.pow(p.decay(), d - 1);
        double after = Math.max(p.floor(), s * (1.0 - hit));
        return Math.min(s, round(after));
    }

    /** Rounds a score in [0, 1] to 12 decimal places (half up), clamped to [0, 1]. */
    public static double round(double score) {
        double s = clamp(score);
        return Math.round(s * SCALE) / SCALE;
    }

    private static double clamp(double score) {
        if (Double.isNaN(score)) {
            return 0.0;
        }
        return Math.max(0.0, Math.min(1.0, score));
    }

    /**
     * One agent's slash: its principal index, scores and distance (0 for the actor).
     */
    public record Slash(int agent, double before, double after, int distance) {
    }

    /**
     * Plans the slashes of one anomaly, nearest first (the actor, then the chain by distance and
     * name).
     *
     * @param actor      principal index of the actor, or -1 when there is none (a report)
     * @param severity   the actor's severity (ignored without an actor)
     * @param chain      the chain of the payload involved
     * @param exclude    principal index never slashed (the reporter), or -1
     * @param host       principal index of the host, never slashed (it is never in a chain, but a
     *                   chain built by hand might hold it)
     * @param trust      current score by principal index
     * @param names      agent id by principal index (for the order of equal distances)
     */
    public static List<Slash> plan(int actor, double severity, Chain chain, int exclude, int host, Params params,
                                   IntToDoubleFunction trust, IntFunction<String> names) {
        List<Slash> out = new ArrayList<>(chain.size() + 1);
        if (actor >= 0 && actor != host) {
            double before = trust.applyAsDouble(actor);
            out.add(new Slash(actor, before, actor(before, severity), 0));
        }
        for (int i : chain.byDistance(names)) {
            int agent = chain.agentAt(i);
            int d = chain.distanceAt(i);
            if (agent == actor || agent == exclude || agent == host) {
                continue;
            }
            if (params.maxDepth() > 0 && d > params.maxDepth()) {
                continue;
            }
            double before = trust.applyAsDouble(agent);
            out.add(new Slash(agent, before, member(before, d, params), d));
        }
        return out;
    }
}
