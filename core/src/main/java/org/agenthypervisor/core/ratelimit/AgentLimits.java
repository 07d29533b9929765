package org.agenthypervisor.core.ratelimit;

import org.agenthypervisor.api.RateLimitedException;
import org.agenthypervisor.core.policy.Policy.RateLimit;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The buckets of one agent, by kind and by the effective ring it calls at: the agent's own limit
 * ({@code agents.<id>.rate}) in every ring, or else its ring's ({@code rings.<n>.rate}, a bucket of
 * the agent's own with the ring's settings). Read by the gate from the agent's principal: a null
 * there means no limit at all.
 */
public final class AgentLimits {
    /** What a bucket counts. */
    public enum Kind {
        CALLS("calls", "governed call"), TOOLS("tools", "tool call"), HANDOFFS("handoffs", "hand-off");

        final String key;
        final String noun;

        Kind(String key, String noun) {
            this.key = key;
            this.noun = noun;
        }
    }

    private static final int RINGS = 4;

    final String agent;
    private final RateLimits owner;
    /** [kind][ring]: null where nothing limits. */
    private final TokenBucket[][] buckets = new TokenBucket[3][RINGS];
    private final RateLimit[][] limits = new RateLimit[3][RINGS];
    final AtomicLong refused = new AtomicLong();
    /** Refusals not audited yet (one audit record a second per agent at most). */
    final AtomicLong unaudited = new AtomicLong();
    final AtomicLong lastAuditNanos = new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(2));

    AgentLimits(String agent, RateLimits owner) {
        this.agent = agent;
        this.owner = owner;
    }

    void set(Kind kind, int ring, RateLimit limit, TokenBucket bucket) {
        limits[kind.ordinal()][ring] = limit;
        buckets[kind.ordinal()][ring] = bucket;
    }

    boolean isEmpty() {
        for (TokenBucket[] byRing : buckets) {
            for (TokenBucket b : byRing) {
                if (b != null) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Admits a governed call at {@code ring} (true), or says the slow path must decide (false). */
    public boolean admitCall(int ring) {
        return admit(Kind.CALLS, ring);
    }

    public boolean admit(Kind kind, int ring) {
        if (ring < 0 || ring >= RINGS) {
            return true; // quarantined (refused elsewhere) or unchecked
        }
        TokenBucket b = buckets[kind.ordinal()][ring];
        return b == null || b.tryAcquire();
    }

    /**
     * The slow path once {@link #admit} said no: waits for a token when the limit says
     * {@code onLimit: wait} and one comes within {@code maxWait}; otherwise audits the refusal and,
     * when the policy enforces, throws.
     *
     * @param target the method, tool or hand-off target, for the message and the audit record
     */
    public void overLimit(Kind kind, int ring, String target) {
        if (ring < 0 || ring >= RINGS || limits[kind.ordinal()][ring] == null) {
            return; // the agent's ring changed since admit() looked: no limit at this ring
        }
        RateLimit limit = limits[kind.ordinal()][ring];
        TokenBucket b = buckets[kind.ordinal()][ring];
        if (limit.waits() && owner.enforcing()) { // audit mode reports, it does not slow the call down
            long wait = b.reserve(TimeUnit.MILLISECONDS.toNanos(limit.maxWaitMillis()));
            if (wait >= 0 && sleep(wait)) {
                return;
            }
        }
        RateLimitedException refusal = new RateLimitedException("rate limit: agent '" + agent + "' at ring " + ring
                + " went past " + limit.describe() + "; its " + kind.noun + " of " + target + " was refused"
                + (limit.waits() ? " after waiting up to " + limit.maxWaitMillis() + " ms" : "")
                + " (not a violation: no trust is slashed)", agent, ring, limit.describe(), target);
        if (owner.refused(this, kind, ring, limit, target)) {
            throw refusal;
        }
    }

    /** Parks until the reserved token is due; false when interrupted (the flag is kept). */
    private static boolean sleep(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return true;
    }

    /** How many of this agent's calls were refused so far. */
    public long refusals() {
        return refused.get();
    }
}
