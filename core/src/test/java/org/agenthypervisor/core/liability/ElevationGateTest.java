package org.agenthypervisor.core.liability;

import org.agenthypervisor.api.AgentQuarantinedException;
import org.agenthypervisor.api.RingViolationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.agenthypervisor.core.liability.GateHarness.as;
import static org.agenthypervisor.core.liability.GateHarness.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, item 1: an operator's elevation through the real gate. A ring-3 agent calls ring-1
 * methods while its grant is live and covers them, and is denied as before once it expires or is
 * revoked; trust floors and quarantines still win; every step is audited.
 */
class ElevationGateTest {
    static final String POLICY = """
            version: 1
            agents:
              a:
                classes: com.test.A
                ring: 3
              b:
                classes: com.test.B
                ring: 3
                trust: 0.9
            rules:
              - methods: "com.test.*#danger"
                ring: 1
              - methods: "com.test.A#log"
                ring: 1
              - methods: "com.test.B#log"
                ring: 2
            elevation:
              maxTtl: 10m
            """;

    @TempDir
    Path dir;
    GateHarness h;
    Map<String, Integer> a;
    Map<String, Integer> b;

    void start(String policy) throws Exception {
        h = new GateHarness(policy, dir.resolve("data"));
        a = h.register("com.test.A");
        b = h.register("com.test.B");
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private String danger(String agent, Map<String, Integer> sites) {
        return as(h.agent(agent), () -> call(sites.get("danger"), new Object[0], () -> "ran"));
    }

    private String log(String agent, Map<String, Integer> sites) {
        return as(h.agent(agent), () -> call(sites.get("log"), new Object[] {"x"}, () -> "logged"));
    }

    @Test
    void aGrantAllowsTheRing1CallUntilItExpiresAndNotAfter() throws Exception {
        start(POLICY);
        // No denied call before the grant: its slash (1.0 -> 0.95) would put a below ring 1's floor.
        String summary = h.elevations.elevate("a", 1, 2_000, "incident 42", null, "jmx");
        assertTrue(summary.startsWith("agent 'a' elevated to ring 1 for 2s (until "), summary);
        assertEquals("ran", danger("a", a));
        assertEquals("ran", danger("a", a));
        assertEquals(3, h.agent("a").effectiveRing(), "the effective ring itself is not changed by a grant");
        h.clock.addAndGet(2_000);
        RingViolationException after = assertThrows(RingViolationException.class, () -> danger("a", a));
        assertEquals(3, after.effectiveRing());
        assertNull(h.agent("a").elevation(), "cleared at the first check after the deadline");

        Map<String, Object> granted = h.audit.ofType("elevation.granted").get(0);
        assertEquals("a", granted.get("agent"));
        assertEquals(1L, granted.get("ring"));
        assertEquals(2_000L, granted.get("ttlMillis"));
        assertEquals("*", granted.get("only"));
        assertEquals("incident 42", granted.get("reason"));
        assertEquals(1, h.audit.ofType("elevation.used").size(), "the first use of each method is audited");
        assertEquals("com.test.A#danger()", h.audit.ofType("elevation.used").get(0).get("method"));
        Map<String, Object> expired = h.audit.ofType("elevation.expired").get(0);
        assertEquals(2L, expired.get("uses"), "both uses counted");
        assertEquals(1, h.audit.ofType("anomaly").size(), "the denial after the expiry is a violation as usual");
    }

    @Test
    void onlyCoversTheNamedMethods() throws Exception {
        start(POLICY);
        h.elevations.elevate("a", 1, 60_000, "one method", "com.test.A#dang*", "jmx");
        assertEquals("ran", danger("a", a));
        RingViolationException other = assertThrows(RingViolationException.class, () -> log("a", a));
        assertTrue(other.getMessage().contains("com.test.A#log(String)"), other.getMessage());
        assertEquals(1, h.audit.ofType("elevation.used").size());
    }

    @Test
    void trustFloorsStillApplyDuringAnElevation() throws Exception {
        start(POLICY);
        String summary = h.elevations.elevate("b", 1, 60_000, "needs ring 1", null, "jmx");
        assertTrue(summary.endsWith("(its trust 0.9 is below ring 1's floor: it reaches ring 2 at most until its trust"
                + " rises)"), summary);
        assertThrows(RingViolationException.class, () -> danger("b", b), "ring 1 needs trust above 0.95");
        assertEquals("logged", log("b", b), "ring 2 (floor 0.60) is within reach of the grant");
    }

    @Test
    void revocationEndsTheGrantAtOnce() throws Exception {
        start(POLICY);
        h.elevations.elevate("a", 1, 60_000, "incident", null, "jmx");
        assertEquals("ran", danger("a", a));
        String revoked = h.elevations.revoke("a", "done", "jmx");
        assertEquals("agent 'a': elevation to ring 1 revoked by jmx: done (used 1 time(s))", revoked);
        assertThrows(RingViolationException.class, () -> danger("a", a));
        Map<String, Object> record = h.audit.ofType("elevation.revoked").get(0);
        assertEquals("done", record.get("reason"));
        assertEquals("incident", record.get("grantReason"));
        assertEquals(1L, record.get("uses"));
        assertEquals("agent 'a' has no elevation", h.elevations.revoke("a", "again", "jmx"));
    }

    @Test
    void aQuarantineWinsOverAnElevation() throws Exception {
        start(POLICY);
        h.elevations.elevate("a", 1, 60_000, "incident", null, "jmx");
        h.quarantines.quarantine("a", 60_000, "misbehaves", "jmx");
        assertThrows(AgentQuarantinedException.class, () -> danger("a", a));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> h.elevations.elevate("a", 1, 60_000, "again", null, "jmx"));
        assertEquals("agent 'a' is quarantined; release it first", refused.getMessage());
    }

    @Test
    void thePolicyBoundsWhatMayBeGranted() throws Exception {
        start(POLICY);
        assertEquals("ring 0 (kernel) is never granted by elevation unless the policy says elevation.allowRing0: true",
                assertThrows(IllegalArgumentException.class, () -> h.elevations.elevate("a", 0, 1_000, "r", null, "jmx"))
                        .getMessage());
        assertEquals("a TTL of 11m is longer than the policy's elevation.maxTtl (10m)",
                assertThrows(IllegalArgumentException.class,
                        () -> h.elevations.elevate("a", 1, 11 * 60_000, "r", null, "jmx")).getMessage());
        assertEquals("agent 'a' is granted ring 3 by the policy already; an elevation grants a more privileged ring (a"
                        + " lower number)",
                assertThrows(IllegalArgumentException.class, () -> h.elevations.elevate("a", 3, 1_000, "r", null, "jmx"))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> h.elevations.elevate("a", 1, 1_000, " ", null, "jmx"));
        assertThrows(IllegalArgumentException.class, () -> h.elevations.elevate("host", 1, 1_000, "r", null, "jmx"));
        assertThrows(IllegalArgumentException.class, () -> h.elevations.elevate("a", 1, 1_000, "r", "com.acme.Db#", "jmx"));
        assertEquals(0, h.audit.ofType("elevation.granted").size(), "nothing refused was granted");

        String summary = h.elevations.elevate("a", 2, 0, "default ttl", null, "jmx");
        assertTrue(summary.startsWith("agent 'a' elevated to ring 2 for 5m "), summary);
    }

    @Test
    void ring0OnlyWhenThePolicyAllowsIt() throws Exception {
        start(POLICY.replace("  maxTtl: 10m", "  maxTtl: 10m\n  allowRing0: true"));
        assertTrue(h.elevations.elevate("a", 0, 1_000, "kernel work", null, "jmx").startsWith("agent 'a' elevated to ring 0"));
    }
}
