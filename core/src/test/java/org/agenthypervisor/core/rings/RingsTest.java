package org.agenthypervisor.core.rings;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.agenthypervisor.core.policy.Policy.TrustSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingsTest {
    private static final TrustSpec REFERENCE = new TrustSpec(0.95, 0.95, 0.60);

    @Test
    void referenceThresholds() {
        assertEquals(0, Rings.effectiveRing(0, 1.0, REFERENCE));
        assertEquals(0, Rings.effectiveRing(0, 0.951, REFERENCE));
        assertEquals(2, Rings.effectiveRing(0, 0.95, REFERENCE), "ring 0 and 1 need trust strictly above 0.95");
        assertEquals(2, Rings.effectiveRing(1, 0.9, REFERENCE));
        assertEquals(3, Rings.effectiveRing(1, 0.6, REFERENCE), "ring 2 needs strictly above 0.60");
        assertEquals(3, Rings.effectiveRing(2, 0.0, REFERENCE));
        assertEquals(3, Rings.effectiveRing(3, 0.0, REFERENCE), "ring 3 needs nothing");
    }

    @Property
    void trustNeverRaisesAnAgentAboveItsGrant(@ForAll @IntRange(min = 0, max = 3) int granted,
                                              @ForAll @DoubleRange(min = 0, max = 1) double trust) {
        int effective = Rings.effectiveRing(granted, trust, REFERENCE);
        assertTrue(effective >= granted && effective <= 3);
    }

    @Property
    void lessTrustNeverMeansAMorePrivilegedRing(@ForAll @IntRange(min = 0, max = 3) int granted,
                                                @ForAll @DoubleRange(min = 0, max = 1) double a,
                                                @ForAll @DoubleRange(min = 0, max = 1) double b) {
        double low = Math.min(a, b);
        double high = Math.max(a, b);
        assertTrue(Rings.effectiveRing(granted, low, REFERENCE) >= Rings.effectiveRing(granted, high, REFERENCE));
    }

    @Test
    void denialMessagesSayWhatToChange() {
        RingDenial grant = new RingDenial("bot", 3, 3, 1.0, 0, "com.acme.Db#run()", "@Ring(0) on com.acme.Db#run()", false, REFERENCE);
        assertTrue(grant.message().endsWith("; to allow it, grant agents.bot.ring: 0 in the policy"), grant.message());
        RingDenial demoted = new RingDenial("billing", 2, 1, 0.9, 1, "m", "s", false, REFERENCE);
        assertTrue(demoted.message().contains("its trust 0.90 is not above the ring-1 floor 0.95 (trust.thresholds.1)"),
                demoted.message());
        RingDenial host = new RingDenial("host", 3, 3, 1.0, 1, "m", "s", false, REFERENCE);
        assertTrue(host.message().contains("the host runs at host.ring 3"), host.message());
        assertEquals("bot", grant.toException().agent());
        assertEquals(0, grant.toException().requiredRing());
    }
}
