package org.agenthypervisor.core.liability;

import org.agenthypervisor.api.AgentQuarantinedException;
import org.agenthypervisor.api.RingViolationException;
import org.agenthypervisor.core.rings.Rings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.agenthypervisor.core.liability.GateHarness.as;
import static org.agenthypervisor.core.liability.GateHarness.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15: graded breach detection, its circuit breaker, and the operator's quarantine and kill switch. */
class BreachAndQuarantineTest {
    static final String POLICY = """
            version: 1
            agents:
              a:
                classes: com.test.A
                ring: 1
                trust: 0.9
              c:
                classes: com.test.C
                ring: 2
            rules:
              - methods: "com.test.*#danger"
                ring: 0
            """;

    @TempDir
    Path dir;
    GateHarness h;
    Map<String, Integer> a;
    Map<String, Integer> c;

    void start(String policy) throws Exception {
        h = new GateHarness(policy, dir.resolve("data"));
        a = h.register("com.test.A");
        c = h.register("com.test.C");
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private void deniedCall() {
        assertThrows(RingViolationException.class, () -> as(h.agent("a"), () ->
                call(a.get("work"), new Object[] {"x"}, () -> call(a.get("danger"), new Object[0], () -> "no"))));
    }

    @Test
    void oneDeniedCallCostsLittleAndKeepsTheAgentAboveItsRingFloor() throws Exception {
        start(POLICY);
        assertEquals(2, h.agent("a").effectiveRing(), "0.9 is below ring 1's floor 0.95");
        deniedCall();
        assertEquals(0.855, h.agent("a").trust(), "severity 0.05 below the low grade");
        assertEquals(2, h.agent("a").effectiveRing(), "still above ring 2's floor 0.60");
        assertEquals("ok", as(h.agent("a"), () -> call(c.get("work"), new Object[] {"x"}, () -> "ok")));
        String cause = (String) h.audit.ofType("anomaly").get(0).get("cause");
        assertTrue(cause.contains("1 of 10 call(s) in 60 s above its ring (10%, grade none)"), cause);
    }

    @Test
    void aBurstTripsTheBreakerAndTheQuarantineExpiresAfterTheCooldown() throws Exception {
        start(POLICY);
        for (int i = 0; i < 7; i++) {
            deniedCall();
        }
        assertEquals(Rings.QUARANTINED, h.agent("a").effectiveRing(), "the 7th of 10 is high: quarantined");
        Map<String, Object> tripped = h.audit.ofType("breach.tripped").get(0);
        assertEquals("high", tripped.get("grade"));
        assertEquals(300_000L, tripped.get("cooldownMillis"));
        assertEquals("breach", h.audit.ofType("quarantine.set").get(0).get("by"));
        double trust = h.agent("a").trust();

        AgentQuarantinedException refused = assertThrows(AgentQuarantinedException.class, () -> as(h.agent("a"), () ->
                call(a.get("work"), new Object[] {"x"}, () -> "no")));
        assertTrue(refused.getMessage().contains("agent 'a' may not call com.test.A#work(String): it is quarantined"),
                refused.getMessage());
        assertEquals(trust, h.agent("a").trust(), "a refusal of a quarantined agent is not slashed again");
        assertEquals(1, h.audit.ofType("quarantine.refused").size());

        h.clock.addAndGet(300_001);
        assertEquals("ok", as(h.agent("a"), () -> call(a.get("work"), new Object[] {"x"}, () -> "ok")));
        assertEquals(1, h.audit.ofType("quarantine.expired").size());
        assertTrue(h.agent("a").effectiveRing() <= Rings.USER);
    }

    @Test
    void theFixedSeverityOverridesTheGrading() throws Exception {
        start(POLICY + "liability:\n  ringViolationSeverity: 1\n");
        deniedCall();
        assertEquals(0.0, h.agent("a").trust());
        assertEquals(3, h.agent("a").effectiveRing());
    }

    @Test
    void anOperatorQuarantineRefusesCallsAndHandOffsUntilReleased() throws Exception {
        start(POLICY);
        h.quarantines.quarantine("c", 600_000, "investigating", "jmx");
        AgentQuarantinedException handoff = assertThrows(AgentQuarantinedException.class, () -> as(h.agent("a"), () ->
                call(c.get("work"), new Object[] {"x"}, () -> "no")));
        assertTrue(handoff.getMessage().startsWith("agent 'c' is quarantined until "), handoff.getMessage());
        assertTrue(handoff.getMessage().endsWith("(jmx: investigating): agent 'a' may not call its method"
                + " com.test.C#work(String)"), handoff.getMessage());
        assertThrows(AgentQuarantinedException.class, () -> as(h.agent("c"), () ->
                call(c.get("log"), new Object[] {"x"}, () -> null)));
        assertEquals(1.0, h.agent("c").trust(), "a quarantine is not a slash");
        h.quarantines.release("c", "cleared", "jmx");
        assertEquals(2, h.agent("c").effectiveRing());
        assertEquals("ok", as(h.agent("a"), () -> call(c.get("work"), new Object[] {"x"}, () -> "ok")));
        assertEquals("jmx", h.audit.ofType("quarantine.released").get(0).get("by"));
    }

    @Test
    void aKillNeverExpires() throws Exception {
        start(POLICY);
        h.quarantines.kill("c", "runaway", "jmx");
        h.clock.addAndGet(365L * 24 * 3_600_000);
        assertThrows(AgentQuarantinedException.class, () -> as(h.agent("c"), () ->
                call(c.get("work"), new Object[] {"x"}, () -> "no")));
        assertEquals(1, h.audit.ofType("agent.killed").size());
        assertThrows(IllegalStateException.class, () -> h.quarantines.quarantine("c", 1_000, "shorter", "jmx"),
                "a kill is not shortened by a quarantine");
        assertThrows(IllegalArgumentException.class, () -> h.quarantines.quarantine("host", 1_000, "x", "jmx"));
        assertThrows(IllegalArgumentException.class, () -> h.quarantines.quarantine("c", 1_000, " ", "jmx"));
    }
}
