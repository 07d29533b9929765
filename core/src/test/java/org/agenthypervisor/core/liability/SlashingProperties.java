package org.agenthypervisor.core.liability;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** σ stays in [0, 1] and never rises under slashing, whatever the chain, scores and parameters. */
class SlashingProperties {

    @Provide
    Arbitrary<Slashing.Params> params() {
        Arbitrary<Double> unit = Arbitraries.doubles().between(0.0, 1.0);
        return Combinators.combine(unit, unit, unit, Arbitraries.integers().between(0, 6))
                .as(Slashing.Params::new);
    }

    @Provide
    Arbitrary<Double> scores() {
        return Arbitraries.oneOf(Arbitraries.doubles().between(0.0, 1.0), Arbitraries.of(0.0, 1.0, 0.05, 0.95, 0.6));
    }

    @Property
    void aMemberStaysInTheUnitIntervalAndNeverRises(@ForAll("scores") double sigma, @ForAll @IntRange(min = 1, max = 64) int d,
                                                   @ForAll("params") Slashing.Params p) {
        double after = Slashing.member(sigma, d, p);
        assertTrue(after >= 0.0 && after <= 1.0, () -> "after " + after);
        assertTrue(after <= sigma, () -> sigma + " rose to " + after);
        if (sigma >= p.floor()) {
            assertTrue(after >= Slashing.round(p.floor()) || after == sigma, () -> "below the floor: " + after);
        }
    }

    @Property
    void theActorStaysInTheUnitIntervalAndNeverRises(@ForAll("scores") double sigma,
                                                    @ForAll @DoubleRange(min = 0, max = 1) double severity) {
        double after = Slashing.actor(sigma, severity);
        assertTrue(after >= 0.0 && after <= sigma, () -> sigma + " -> " + after);
    }

    @Property
    void nearerMeansHarder(@ForAll @DoubleRange(min = 0, max = 1) double sigma, @ForAll @IntRange(min = 1, max = 30) int d,
                           @ForAll("params") Slashing.Params p) {
        assertTrue(Slashing.member(sigma, d, p) <= Slashing.member(sigma, d + 1, p));
    }

    @Property
    void aPlanSlashesEachAgentAtMostOnceNeverRaisingAndNeverTheExcludedOrHost(
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 9) Integer> senders,
            @ForAll @IntRange(min = -1, max = 9) int actor, @ForAll @IntRange(min = -1, max = 9) int exclude,
            @ForAll("params") Slashing.Params p, @ForAll @Size(value = 10) List<@DoubleRange(min = 0, max = 1) Double> trust) {
        // A random path of hand-offs, merged with a second one: any shape of chain.
        Chain chain = Chain.EMPTY;
        for (int s : senders) {
            chain = chain.handedBy(s, "v" + s).merge(chain.size() % 2 == 0 ? Chain.EMPTY : Chain.ofDistances(s, 3));
        }
        List<Slashing.Slash> plan = Slashing.plan(actor, 1.0, chain, exclude, 0, p, trust::get, i -> "agent" + i);
        Set<Integer> seen = new HashSet<>();
        for (Slashing.Slash s : plan) {
            assertTrue(seen.add(s.agent()), () -> "slashed twice: " + plan);
            assertTrue(s.after() >= 0.0 && s.after() <= s.before(), s::toString);
            assertTrue(s.agent() != 0, "the host");
            if (s.distance() > 0) {
                assertTrue(s.agent() != exclude, "the reporter");
                assertEquals(chain.distanceOf(s.agent()), s.distance(), "at its nearest distance");
                assertTrue(p.maxDepth() == 0 || s.distance() <= p.maxDepth());
            } else {
                assertEquals(actor, s.agent());
            }
        }
    }
}
