package org.agenthypervisor.core.ratelimit;

import java.util.concurrent.locks.LockSupport;

/**
 * {@link System#nanoTime()} read as one volatile field that a daemon thread advances every
 * millisecond. On this project's VMs (clock source {@code kvm-clock}) {@code nanoTime} costs about
 * 30 ns, more than the rest of a rate-limited call's check; the field costs one load. A bucket
 * driven by it is accurate to the tick: calls within a tick are counted as made at its start, so a
 * bucket may admit up to {@code rate × tick} calls more over its life than an exact clock would (0.01
 * of a call at 10 calls a second), and as much more as the thread runs late on a starved machine.
 * A late tick never refuses a call on its own: {@link TokenBucket} decides refusals on
 * {@code nanoTime}, which only slow (refused) calls pay.
 * The thread exists only in a JVM whose policy sets a limit: it starts with the first
 * {@link TokenBucket}.
 */
final class TickingClock {
    static final long TICK_NANOS = 1_000_000L;

    private static volatile long now = System.nanoTime();
    private static volatile Thread ticker;

    private TickingClock() {
    }

    /** The time of the last tick (never ahead of {@link System#nanoTime()}). */
    static long now() {
        return now;
    }

    /** Starts the ticking thread once; later calls do nothing. */
    static void start() {
        if (ticker != null) {
            return;
        }
        synchronized (TickingClock.class) {
            if (ticker != null) {
                return;
            }
            now = System.nanoTime();
            Thread t = new Thread(TickingClock::tick, "agent-hypervisor-rate-clock");
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY); // a late tick is a looser bucket: keep it prompt
            ticker = t;
            t.start();
        }
    }

    private static void tick() {
        while (true) {
            LockSupport.parkNanos(TICK_NANOS);
            now = System.nanoTime();
        }
    }
}
