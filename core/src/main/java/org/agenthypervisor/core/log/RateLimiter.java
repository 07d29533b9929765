package org.agenthypervisor.core.log;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets at most {@code perSecond} events through per second and counts the rest, so a storm of
 * denials (an agent stuck in a retry loop) cannot flood the application's log. Every event still
 * reaches the audit log; only log lines are limited. Lock-free.
 */
public final class RateLimiter {
    private final int perSecond;
    private final AtomicLong window = new AtomicLong();
    private final AtomicLong inWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    public RateLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    /**
     * @return -1 if the event may not be logged; otherwise how many events were suppressed since the
     *         last one that was (0 usually), which the caller should mention
     */
    public long tryAcquire() {
        long second = System.nanoTime() / 1_000_000_000L;
        long current = window.get();
        if (second != current && window.compareAndSet(current, second)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() > perSecond) {
            suppressed.incrementAndGet();
            return -1;
        }
        return suppressed.getAndSet(0);
    }
}
