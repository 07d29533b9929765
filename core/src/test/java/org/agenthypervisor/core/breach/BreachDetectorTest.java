package org.agenthypervisor.core.breach;

import org.agenthypervisor.core.policy.Policy.BreachSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BreachDetectorTest {
    private final BreachDetector detector = new BreachDetector(BreachSpec.DEFAULTS);

    @Test
    void anIsolatedDenialIsBelowLowAndABurstClimbsEveryGrade() {
        long t = 1_000_000;
        assertEquals(Grade.NONE, detector.denied("a", t).grade(), "1 of at least 10 calls");
        assertEquals(Grade.NONE, detector.denied("a", t).grade());
        assertEquals(Grade.LOW, detector.denied("a", t).grade(), "3/10");
        detector.denied("a", t);
        assertEquals(Grade.MEDIUM, detector.denied("a", t).grade(), "5/10");
        detector.denied("a", t);
        BreachDetector.Verdict high = detector.denied("a", t);
        assertEquals(Grade.HIGH, high.grade(), "7/10");
        assertEquals(true, high.grade().trips());
        detector.denied("a", t);
        assertEquals(Grade.CRITICAL, detector.denied("a", t).grade(), "9/10");
        assertEquals(Grade.NONE, detector.denied("b", t).grade(), "windows are per agent");
    }

    @Test
    void allowedCallsSeenDiluteTheShare() {
        long t = 5_000_000;
        for (int i = 0; i < 40; i++) {
            detector.observed("a", t);
        }
        BreachDetector.Verdict v = null;
        for (int i = 0; i < 10; i++) {
            v = detector.denied("a", t);
        }
        assertEquals(10, v.denied());
        assertEquals(50, v.calls());
        assertEquals(Grade.NONE, v.grade(), "10 of 50 is 20%");
    }

    @Test
    void denialsLeaveTheWindowAfterItsLength() {
        long t = 9_000_000;
        for (int i = 0; i < 6; i++) {
            detector.denied("a", t);
        }
        assertEquals(Grade.HIGH, detector.denied("a", t + 1_000).grade());
        BreachDetector.Verdict later = detector.denied("a", t + 61_000 + 3_000);
        assertEquals(1, later.denied(), "the earlier denials are older than the 60 s window");
        assertEquals(Grade.NONE, later.grade());
    }

    @Test
    void resetForgetsTheWindow() {
        long t = 2_000_000;
        for (int i = 0; i < 8; i++) {
            detector.denied("a", t);
        }
        detector.reset("a");
        assertEquals(1, detector.denied("a", t).denied());
    }
}
