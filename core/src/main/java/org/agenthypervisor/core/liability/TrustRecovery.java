package org.agenthypervisor.core.liability;

import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;

/**
 * The policy's trust recovery ({@code liability.recovery}: every period, each agent below its initial
 * trust regains {@code rate}, up to the initial trust). One daemon thread, started only when a policy
 * version asks for recovery; it re-reads the policy on every step, so a reload that changes or removes
 * the rate takes effect at the next step. Each step is durable in the ledger before it applies.
 */
final class TrustRecovery {
    private static final Log LOG = Log.get("liability");

    private final LiabilityEngine engine;
    private final Object monitor = new Object();
    private Thread thread;
    private boolean stopped;

    TrustRecovery(LiabilityEngine engine) {
        this.engine = engine;
    }

    /** Starts the thread if the policy asks for recovery. */
    void start() {
        synchronized (monitor) {
            if (thread == null && !stopped && engine.policy().liability().recovery() != null) {
                thread = new Thread(this::run, "agent-hypervisor-trust-recovery");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    /** The policy changed: start if needed, and recompute the wait. */
    void wake() {
        start();
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    void stop() {
        Thread t;
        synchronized (monitor) {
            stopped = true;
            t = thread;
            monitor.notifyAll();
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(2_000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long next = 0;
        boolean scheduled = false;
        while (true) {
            synchronized (monitor) {
                while (!stopped) {
                    long period = periodNanos();
                    long now = System.nanoTime();
                    long wait;
                    if (period <= 0) {
                        scheduled = false;
                        wait = 60_000_000_000L;
                    } else {
                        if (!scheduled || next - now > period) {
                            next = now + period; // first step, or a reload shortened the period
                            scheduled = true;
                        }
                        wait = next - now;
                        if (wait <= 0) {
                            break;
                        }
                    }
                    try {
                        monitor.wait(Math.max(1, Math.min(wait / 1_000_000, 60_000)));
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
            }
            try {
                engine.recoverOnce();
            } catch (RuntimeException failure) {
                LOG.error("trust recovery step failed: " + failure, failure);
            }
            scheduled = false;
        }
    }

    private long periodNanos() {
        Policy.Recovery r = engine.policy().liability().recovery();
        return r == null ? 0 : r.everyMillis() * 1_000_000L;
    }
}
