package org.agenthypervisor.core.breach;

import org.agenthypervisor.core.policy.Policy.BreachSpec;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per agent, a sliding window of governed calls and how many of them asked for more than the
 * agent's effective ring; the share grades the breach ({@link BreachSpec#thresholds}).
 *
 * <p>The window counts what the gate sees off its allowed path: denied calls and hand-offs. The
 * allowed ring check itself stays a compare of two integers (counting every call there would put a
 * shared counter on the hot path), so the denominator is the larger of the calls seen and
 * {@code minCalls}: one denied call among few is an isolated slip (1/10 with the defaults), while a
 * burst of denials fills the window (20 in a second: 20/20, critical).
 *
 * <p>The window is a ring of buckets (a twentieth of the window each), so memory per agent is fixed
 * whatever the rate. Each agent's window is locked on its own; denials are rare and already slow.
 */
public final class BreachDetector {
    private static final int BUCKETS = 20;

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private volatile BreachSpec spec;

    public BreachDetector(BreachSpec spec) {
        this.spec = spec;
    }

    public void apply(BreachSpec next) {
        this.spec = next;
    }

    public BreachSpec spec() {
        return spec;
    }

    /** What one denied call made of the agent's window. */
    public record Verdict(Grade grade, long denied, long calls, double share, long windowMillis) {
        /** {@code 3 of 10 calls in 60 s above its ring (30%)}, for messages and the audit log. */
        public String describe() {
            return denied + " of " + calls + " call(s) in " + (windowMillis / 1000.0 == Math.rint(windowMillis / 1000.0)
                    ? (windowMillis / 1000) + " s" : windowMillis + " ms") + " above its ring ("
                    + Math.round(share * 100) + "%, grade " + grade.key() + ")";
        }
    }

    /** A governed call of {@code agent} that the gate saw without denying it (a hand-off). */
    public void observed(String agent, long nowMillis) {
        window(agent).add(nowMillis, false, spec.windowMillis());
    }

    /** A denied call of {@code agent}: counts it and grades the window. */
    public Verdict denied(String agent, long nowMillis) {
        BreachSpec s = spec;
        long[] counts = window(agent).add(nowMillis, true, s.windowMillis());
        long denied = counts[0];
        long calls = counts[1];
        double share = (double) denied / Math.max(calls, s.minCalls());
        return new Verdict(grade(share, s), denied, Math.max(calls, s.minCalls()), share, s.windowMillis());
    }

    /** Forgets an agent's window (the breaker tripped, or an operator released it). */
    public void reset(String agent) {
        windows.remove(agent);
    }

    static Grade grade(double share, BreachSpec s) {
        if (share >= s.critical()) {
            return Grade.CRITICAL;
        }
        if (share >= s.high()) {
            return Grade.HIGH;
        }
        if (share >= s.medium()) {
            return Grade.MEDIUM;
        }
        return share >= s.low() ? Grade.LOW : Grade.NONE;
    }

    private Window window(String agent) {
        return windows.computeIfAbsent(agent, a -> new Window());
    }

    /** Buckets of (denied, calls) by time slot; a slot older than the window is reused. */
    private static final class Window {
        private final long[] slot = new long[BUCKETS];
        private final long[] denied = new long[BUCKETS];
        private final long[] calls = new long[BUCKETS];

        /** Counts one call and returns {denied, calls} over the window ending now. */
        synchronized long[] add(long now, boolean deniedCall, long windowMillis) {
            long width = Math.max(1, windowMillis / BUCKETS);
            long current = now / width;
            int i = (int) Math.floorMod(current, (long) BUCKETS);
            if (slot[i] != current) {
                slot[i] = current;
                denied[i] = 0;
                calls[i] = 0;
            }
            calls[i]++;
            if (deniedCall) {
                denied[i]++;
            }
            long d = 0;
            long c = 0;
            for (int b = 0; b < BUCKETS; b++) {
                if (current - slot[b] < BUCKETS && slot[b] <= current) {
                    d += denied[b];
                    c += calls[b];
                }
            }
            return new long[] {d, c};
        }
    }
}
