package org.agenthypervisor.core.policy;

import static org.agenthypervisor.core.policy.PolicyTesting.assertProblem;
import static org.agenthypervisor.core.policy.PolicyTesting.parse;
import static org.agenthypervisor.core.policy.PolicyTesting.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code rings.<n>.rate} and {@code agents.<id>.rate} (issue 15): shapes, defaults and problems. */
class RatePolicyTest {
    @Test
    void readsRatesBurstsAndOnLimit() {
        Policy p = parse("""
                version: 1
                agents:
                  bot:
                    rate:
                      calls: {rate: 10/s, burst: 20}
                      handoffs: {rate: 30/min, onLimit: wait, maxWait: 250ms}
                rings:
                  3:
                    rate:
                      tools: {rate: 2.5/s}
                """);
        Policy.RateSpec bot = p.rates().agents().get("bot");
        assertEquals(10.0, bot.calls().perSecond());
        assertEquals(20, bot.calls().burst());
        assertEquals(false, bot.calls().waits());
        assertEquals("agents.bot.rate.calls", bot.calls().key());
        assertEquals(0.5, bot.handoffs().perSecond());
        assertEquals(1, bot.handoffs().burst(), "default burst: the rate per second rounded up, at least 1");
        assertEquals(true, bot.handoffs().waits());
        assertEquals(250, bot.handoffs().maxWaitMillis());
        assertNull(bot.tools());
        Policy.RateLimit ring3 = p.rates().rings().get(3).tools();
        assertEquals(3, ring3.burst());
        assertEquals("rings.3.rate.tools (2.5/s, burst 3)", ring3.describe());
        assertTrue(PolicyParser.defaults().rates().isEmpty());
    }

    @Test
    void aRateMustBeCallsPerSecondOrPerMinute() {
        assertProblem(problem("""
                version: 1
                agents:
                  bot:
                    rate:
                      calls: {rate: 10 per second}
                """), 5, 21, "agents.bot.rate.calls.rate",
                "'10 per second' is not a rate; write calls per second or per minute, e.g. 10/s or 30/min");
    }

    @Test
    void aLimitWithoutARateIsAnError() {
        assertProblem(problem("""
                version: 1
                rings:
                  2:
                    rate:
                      calls: {burst: 5}
                """), 5, 7, "rings.2.rate.calls", "a rate limit needs 'rate', e.g. rate: 10/s or rate: 30/min");
    }

    @Test
    void maxWaitWithoutWaitIsAnError() {
        assertProblem(problem("""
                version: 1
                agents:
                  bot:
                    rate:
                      tools: {rate: 1/s, maxWait: 2s}
                """), 5, 26, "agents.bot.rate.tools.maxWait", "maxWait applies only with onLimit: wait");
    }

    @Test
    void unknownKindsAndOnLimitValuesAreNamed() {
        assertProblem(problem("""
                version: 1
                agents:
                  bot:
                    rate:
                      call: {rate: 1/s}
                """), 5, 7, "agents.bot.rate.call", "unknown key 'call'; did you mean 'calls'?");
        assertProblem(problem("""
                version: 1
                agents:
                  bot:
                    rate:
                      calls: {rate: 1/s, onLimit: block}
                """), 5, 35, "agents.bot.rate.calls.onLimit", "'block' is not allowed here; write one of refuse, wait");
    }

    @Test
    void ringZeroHasNoRingLimit() {
        assertProblem(problem("""
                version: 1
                rings:
                  0:
                    rate:
                      calls: {rate: 1/s}
                """), 3, 3, "rings.0", "ring 0 has every capability, like the host: it cannot be restricted;"
                + " give the agent ring 1 and restrict ring 1 instead");
    }
}
