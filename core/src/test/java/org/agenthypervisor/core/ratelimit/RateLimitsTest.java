package org.agenthypervisor.core.ratelimit;

import org.agenthypervisor.api.RateLimitedException;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.ratelimit.AgentLimits.Kind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which buckets an agent gets, what a refusal says, and how refusals are audited. */
class RateLimitsTest {
    static final String LIMITS = """
            version: 1
            agents:
              bot:
                ring: 2
                rate:
                  calls: {rate: 2/s, burst: 2}
                  tools: {rate: 60/min, burst: 1}
              root:
                ring: 0
              plain:
                ring: 2
            rings:
              2:
                rate:
                  handoffs: {rate: 1/s, burst: 1}
              3:
                rate:
                  calls: {rate: 1/s, burst: 1}
            """;

    final List<Map<String, Object>> audited = new ArrayList<>();
    final AuditTrail audit = new AuditTrail() {
        @Override
        public void record(String type, Map<String, Object> fields) {
            assertEquals("rate.limited", type);
            audited.add(fields);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    static Policy policy(String yaml) throws Exception {
        return PolicyParser.parse(yaml, "p.yaml");
    }

    @Test
    void nothingLimitsWithoutRatesTheHostOrInModeOff() throws Exception {
        RateLimits none = new RateLimits(policy("version: 1\nagents:\n  bot:\n    ring: 2\n"), audit);
        assertNull(none.limitsFor("bot", false), "no rate in the policy: a null field, the allowed path unchanged");
        RateLimits limits = new RateLimits(policy(LIMITS), audit);
        assertNull(limits.limitsFor("host", true), "the host is never limited");
        assertNotNull(limits.limitsFor("root", false), "ring limits exist for rings 2 and 3 (unused at ring 0)");
        assertTrue(limits.limitsFor("root", false).admitCall(0));
        RateLimits off = new RateLimits(policy(LIMITS.replace("version: 1\n", "version: 1\nmode: off\n")), audit);
        assertNull(off.limitsFor("bot", false));
    }

    @Test
    void theAgentsOwnLimitAppliesInEveryRingAndReplacesItsRingsLimitOfThatKind() throws Exception {
        AgentLimits bot = new RateLimits(policy(LIMITS), audit).limitsFor("bot", false);
        assertTrue(bot.admitCall(2));
        assertTrue(bot.admitCall(3), "the same bucket at ring 3: demotion does not give new tokens");
        assertEquals(false, bot.admitCall(2));
        assertTrue(bot.admit(Kind.HANDOFFS, 2), "no own hand-off limit: ring 2's");
        assertEquals(false, bot.admit(Kind.HANDOFFS, 2));
        assertTrue(bot.admit(Kind.TOOLS, 2));
        assertEquals(false, bot.admit(Kind.TOOLS, 2));

        AgentLimits plain = new RateLimits(policy(LIMITS), audit).limitsFor("plain", false);
        for (int i = 0; i < 10; i++) {
            assertTrue(plain.admitCall(2), "ring 2 limits hand-offs only");
        }
        assertTrue(plain.admitCall(3));
        assertEquals(false, plain.admitCall(3), "ring 3's call limit once demoted");
        assertTrue(plain.admitCall(Integer.MAX_VALUE), "a quarantined agent is refused by the quarantine, not here");
    }

    @Test
    void aRefusalNamesAgentRingAndLimitIsCountedAndAuditedOnceASecond() throws Exception {
        RateLimits limits = new RateLimits(policy(LIMITS), audit);
        AgentLimits bot = limits.limitsFor("bot", false);
        RateLimitedException e = assertThrows(RateLimitedException.class,
                () -> bot.overLimit(Kind.CALLS, 2, "com.acme.Db#query()"));
        assertEquals("rate limit: agent 'bot' at ring 2 went past agents.bot.rate.calls (2/s, burst 2); its governed"
                + " call of com.acme.Db#query() was refused (not a violation: no trust is slashed)", e.getMessage());
        assertTrue(e instanceof SecurityException);
        assertEquals("bot", e.agent());
        assertEquals(2, e.ring());
        assertEquals("agents.bot.rate.calls (2/s, burst 2)", e.limit());
        for (int i = 0; i < 49; i++) {
            assertThrows(RateLimitedException.class, () -> bot.overLimit(Kind.CALLS, 2, "com.acme.Db#query()"));
        }
        assertEquals(50, bot.refusals());
        assertEquals(50, limits.refusedTotal());
        assertEquals(1, audited.size(), "a flood of refusals is one record a second: " + audited);
        assertEquals("bot", audited.get(0).get("agent"));
        assertEquals("calls", audited.get(0).get("kind"));
        assertEquals(true, audited.get(0).get("enforced"));
    }

    @Test
    void principalsCarryTheirLimitsThroughNewAgentsAndReloads() throws Exception {
        Policy limited = policy(LIMITS);
        org.agenthypervisor.core.context.Principals principals = new org.agenthypervisor.core.context.Principals(limited);
        RateLimits limits = new RateLimits(limited, audit);
        principals.useRateLimits(limits);
        assertNotNull(principals.agent("bot").rateLimits());
        assertNotNull(principals.agent("newcomer").rateLimits(), "an agent seen later gets ring 3's limit");
        assertNull(principals.host().rateLimits(), "never the host");
        assertNull(principals.unidentified().rateLimits(), "never unidentified");

        Policy unlimited = policy("version: 1\nagents:\n  bot:\n    ring: 2\n");
        principals.apply(unlimited);
        limits.apply(unlimited);
        principals.useRateLimits(limits);
        assertNull(principals.agent("bot").rateLimits(), "a reload that removes the limits clears the field");
        assertNull(principals.agent("newcomer").rateLimits());
    }

    @Test
    void auditModeNeitherWaitsNorRefuses() throws Exception {
        RateLimits limits = new RateLimits(policy("""
                version: 1
                mode: audit
                agents:
                  slow:
                    rate:
                      calls: {rate: 1/min, burst: 1, onLimit: wait, maxWait: 2m}
                """), audit);
        AgentLimits slow = limits.limitsFor("slow", false);
        assertTrue(slow.admitCall(3));
        assertEquals(false, slow.admitCall(3));
        long start = System.nanoTime();
        slow.overLimit(Kind.CALLS, 3, "com.acme.Db#query()");
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "did not wait for the next token (60 s away)");
        assertEquals(1, slow.refusals());
    }

    @Test
    void onLimitWaitWaitsForTheReservedTokenThenAdmits() throws Exception {
        RateLimits limits = new RateLimits(policy("""
                version: 1
                agents:
                  slow:
                    rate:
                      calls: {rate: 20/s, burst: 1, onLimit: wait, maxWait: 1s}
                """), audit);
        AgentLimits slow = limits.limitsFor("slow", false);
        assertTrue(slow.admitCall(3));
        assertEquals(false, slow.admitCall(3));
        slow.overLimit(Kind.CALLS, 3, "com.acme.Db#query()"); // waits about 50 ms, then returns
        assertEquals(0, slow.refusals());
        Thread.currentThread().interrupt();
        try {
            assertThrows(RateLimitedException.class, () -> slow.overLimit(Kind.CALLS, 3, "com.acme.Db#query()"),
                    "an interrupted wait is refused");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void auditModeReportsButDoesNotRefuse() throws Exception {
        RateLimits limits = new RateLimits(policy(LIMITS.replace("version: 1\n", "version: 1\nmode: audit\n")), audit);
        AgentLimits bot = limits.limitsFor("bot", false);
        bot.overLimit(Kind.CALLS, 2, "com.acme.Db#query()");
        assertEquals(1, bot.refusals());
        assertEquals(false, audited.get(0).get("enforced"));
    }
}
