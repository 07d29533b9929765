package org.agenthypervisor.core.ratelimit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bucket's arithmetic on an explicit clock (nanoseconds), so nothing here depends on timing. */
class TokenBucketTest {
    static final long MS = 1_000_000L;

    @Test
    void aFullBucketAdmitsItsBurstThenRefillsAtTheRate() {
        TokenBucket b = new TokenBucket(10, 10);
        long t0 = System.nanoTime();
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            admitted += b.tryAcquire(t0) ? 1 : 0;
        }
        assertEquals(10, admitted, "burst 10 at once");
        assertFalse(b.tryAcquire(t0 + 99 * MS), "the next token comes 100 ms later");
        assertTrue(b.tryAcquire(t0 + 100 * MS));
        assertFalse(b.tryAcquire(t0 + 100 * MS));
        int later = 0;
        for (int i = 0; i < 100; i++) {
            later += b.tryAcquire(t0 + 10_000 * MS) ? 1 : 0;
        }
        assertEquals(10, later, "an idle bucket fills up to its burst, not beyond");
    }

    @Test
    void theClockMayStartAnywhereIncludingAcrossZero() {
        TokenBucket b = new TokenBucket(1, 1);
        // nanoTime's origin is arbitrary; the arithmetic compares differences only.
        long t = System.nanoTime();
        assertTrue(b.tryAcquire(t));
        assertFalse(b.tryAcquire(t + 999 * MS));
        assertTrue(b.tryAcquire(t + 1000 * MS));
    }

    @Test
    void reserveSaysHowLongToWaitAndReservesOnlyWithinTheBound() {
        TokenBucket b = new TokenBucket(5, 1);
        long t0 = System.nanoTime();
        assertEquals(0, b.reserve(t0, 0), "a token is there");
        assertEquals(-1, b.reserve(t0, 199 * MS), "the next one is 200 ms away: too far, nothing reserved");
        assertEquals(200 * MS, b.reserve(t0, 200 * MS), "reserved: wait 200 ms");
        assertEquals(400 * MS, b.reserve(t0, 1000 * MS), "queued behind the reserved one");
        assertFalse(b.tryAcquire(t0 + 500 * MS), "reserved tokens are taken");
        assertTrue(b.tryAcquire(t0 + 600 * MS));
    }

    @Test
    void concurrentCallersNeverGetMoreThanTheBurst() throws InterruptedException {
        TokenBucket b = new TokenBucket(0.001, 50);
        AtomicInteger admitted = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                for (int j = 0; j < 1000; j++) {
                    if (b.tryAcquire()) {
                        admitted.incrementAndGet();
                    }
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(50, admitted.get(), "one token in 1000 s: only the burst");
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0));
    }

    @Test
    void theTickingClockAdvancesAndNeverRunsAheadOfNanoTime() throws InterruptedException {
        new TokenBucket(1, 1); // starts the clock
        long first = TickingClock.now();
        long deadline = System.nanoTime() + 10_000 * MS; // generous: a starved machine delays the thread
        while (TickingClock.now() == first && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long later = TickingClock.now();
        assertTrue(later > first, "the clock did not move in 10 s");
        assertTrue(later <= System.nanoTime(), "the clock is ahead of nanoTime");
    }

    @Test
    void aBucketOnTheTickingClockAdmitsItsBurstAndNoMore() {
        TokenBucket b = new TokenBucket(10, 10);
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            admitted += b.tryAcquire() ? 1 : 0;
        }
        // 100 calls take far less than the 100 ms a token takes; a starved machine could add one.
        assertTrue(admitted >= 10 && admitted <= 11, "admitted " + admitted);
    }

    @Test
    void aStaleTickNeverRefusesWhatTheExactClockAdmits() {
        TokenBucket b = new TokenBucket(100, 1);
        long tick = System.nanoTime(); // a tick the ticking thread never advances past, as if starved
        assertTrue(b.tryAcquireTicked(tick));
        long later = System.nanoTime() + 20 * MS;
        while (System.nanoTime() < later) {
            Thread.onSpinWait(); // 20 ms: two tokens' worth on the exact clock
        }
        assertFalse(b.tryAcquire(tick), "on the stale tick the bucket is empty");
        assertTrue(b.tryAcquireTicked(tick), "the exact clock decides a refusal");
        assertFalse(b.tryAcquireTicked(tick), "and takes only what is there");
    }
}
