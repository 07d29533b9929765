package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.liability.Slashing.Params;
import org.agenthypervisor.core.liability.Slashing.Slash;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SlashingTest {
    static final Params DEFAULT = new Params(0.95, 0.05, 0.5, 0);
    static final String[] NAMES = {"host", "a", "b", "c", "d", "e"};

    @Test
    void theReferenceNumbers() {
        // A -> B -> C, C violates a ring (severity 1.0), omega 0.95, all at 1.0.
        Chain inC = Chain.EMPTY.handedBy(1, "v1").handedBy(2, "v2");
        List<Slash> plan = Slashing.plan(3, 1.0, inC, -1, 0, DEFAULT, i -> 1.0, i -> NAMES[i]);
        assertEquals(List.of(new Slash(3, 1.0, 0.0, 0), new Slash(2, 1.0, 0.05, 1), new Slash(1, 1.0, 0.525, 2)), plan);
    }

    @Test
    void membersFollowTheFormulaWithFloorAndDecay() {
        assertEquals(0.05, Slashing.member(1.0, 1, DEFAULT));
        assertEquals(0.525, Slashing.member(1.0, 2, DEFAULT));
        assertEquals(0.7625, Slashing.member(1.0, 3, DEFAULT));
        assertEquals(0.88125, Slashing.member(1.0, 4, DEFAULT));
        assertEquals(0.8, Slashing.member(1.0, 1, new Params(0.2, 0.05, 0.5, 0)));
        assertEquals(0.35, Slashing.member(1.0, 1, new Params(0.65, 0.05, 0.5, 0)));
        assertEquals(0.4, Slashing.member(0.5, 1, new Params(0.2, 0.05, 0.5, 0)));
        assertEquals(0.05, Slashing.member(0.3, 1, DEFAULT), "the floor");
        assertEquals(0.02, Slashing.member(0.02, 1, DEFAULT), "below the floor already: never raised to it");
        assertEquals(0.0, Slashing.member(0.0, 1, DEFAULT));
        assertEquals(0.0, Slashing.member(1.0, 1, new Params(1.0, 0.0, 0.5, 0)));
    }

    @Test
    void theActorLosesTheSeverity() {
        assertEquals(0.0, Slashing.actor(1.0, 1.0));
        assertEquals(0.45, Slashing.actor(0.9, 0.5));
        assertEquals(0.9, Slashing.actor(0.9, 0.0));
        assertThrows(IllegalArgumentException.class, () -> Slashing.actor(0.9, 1.5));
    }

    @Test
    void theActorAndTheExcludedAreNotSlashedAsMembersAndMaxDepthCuts() {
        Chain chain = Chain.ofDistances(1, 1, 2, 2, 3, 3, 4, 4);
        List<Slash> plan = Slashing.plan(2, 1.0, chain, 3, 0, new Params(0.95, 0.05, 0.5, 2), i -> 1.0, i -> NAMES[i]);
        assertEquals(List.of(new Slash(2, 1.0, 0.0, 0), new Slash(1, 1.0, 0.05, 1)), plan,
                "b is the actor (not again at d2), c excluded, d beyond maxDepth 2");
    }

    @Test
    void equalDistancesAreOrderedByName() {
        Chain chain = Chain.ofDistances(5, 1, 2, 1, 4, 1);
        List<Slash> plan = Slashing.plan(-1, 0, chain, -1, 0, DEFAULT, i -> 1.0, i -> NAMES[i]);
        assertEquals(List.of(2, 4, 5), plan.stream().map(Slash::agent).toList());
    }

    @Test
    void theHostIsNeverSlashed() {
        Chain chain = Chain.ofDistances(0, 1, 1, 2);
        List<Slash> plan = Slashing.plan(0, 1.0, chain, -1, 0, DEFAULT, i -> 1.0, i -> NAMES[i]);
        assertEquals(List.of(new Slash(1, 1.0, 0.525, 2)), plan);
    }

    @Test
    void roundingGivesTheDecimalScores() {
        assertEquals(0.05, Slashing.round(1.0 - 0.95));
        assertEquals(0.0, Slashing.round(-0.1));
        assertEquals(1.0, Slashing.round(1.2));
        assertEquals(0.0, Slashing.round(Double.NaN));
    }

    @Test
    void parametersAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Params(1.5, 0.05, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Params(0.5, 0.05, 0.5, -1));
        assertThrows(IllegalArgumentException.class, () -> Slashing.member(1.0, 0, DEFAULT));
    }
}
