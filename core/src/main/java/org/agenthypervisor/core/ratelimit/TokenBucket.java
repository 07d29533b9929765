package org.agenthypervisor.core.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket kept as one {@code long}: the generic cell rate algorithm's "theoretical arrival
 * time" (TAT). Each admitted call moves the TAT one interval (1/rate) later; a call is admitted when
 * the moved TAT is at most {@code burst} intervals ahead of now. That is a bucket of {@code burst}
 * tokens refilled at {@code rate}, with one compare-and-set and one clock read per call: no lock, no
 * allocation, and no refill thread. The clock is {@link TickingClock}: one field load instead of a
 * 30 ns {@code nanoTime} call.
 */
public final class TokenBucket {
    private final long intervalNanos;
    private final long windowNanos;
    private final AtomicLong tat;

    /**
     * @param perSecond tokens added a second (above 0)
     * @param burst     the bucket's size (at least 1); the bucket starts full
     */
    public TokenBucket(double perSecond, int burst) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("rate " + perSecond + "/s, burst " + burst);
        }
        this.intervalNanos = Math.max(1L, Math.round(1e9 / perSecond));
        this.windowNanos = Math.multiplyExact(intervalNanos, (long) burst);
        TickingClock.start();
        this.tat = new AtomicLong(TickingClock.now());
    }

    /**
     * Takes a token if one is there. Decided on the ticking clock when that admits; a refusal is
     * decided on {@code nanoTime}, so a ticking thread starved of CPU never refuses a call the exact
     * clock admits.
     */
    public boolean tryAcquire() {
        return tryAcquireTicked(TickingClock.now());
    }

    boolean tryAcquireTicked(long tick) {
        return tryAcquire(tick) || tryAcquire(System.nanoTime());
    }

    boolean tryAcquire(long now) {
        for (;;) {
            long t = tat.get();
            long next = (t - now > 0 ? t : now) + intervalNanos;
            if (next - now > windowNanos) {
                return false;
            }
            if (tat.compareAndSet(t, next)) {
                return true;
            }
        }
    }

    /**
     * Reserves the next token if it comes within {@code maxWaitNanos}.
     *
     * @return how long the caller must wait for its token (0: now), or -1 when it would wait longer
     *         (nothing reserved)
     */
    public long reserve(long maxWaitNanos) {
        if (tryAcquire(TickingClock.now())) {
            return 0;
        }
        return reserve(System.nanoTime(), maxWaitNanos); // how long to wait: on the exact clock
    }

    long reserve(long now, long maxWaitNanos) {
        for (;;) {
            long t = tat.get();
            long next = (t - now > 0 ? t : now) + intervalNanos;
            long wait = Math.max(0L, next - now - windowNanos);
            if (wait > maxWaitNanos) {
                return -1;
            }
            if (tat.compareAndSet(t, next)) {
                return wait;
            }
        }
    }
}
