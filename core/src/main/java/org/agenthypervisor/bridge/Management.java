package org.agenthypervisor.bridge;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells the hypervisor's MXBean registration that the JVM's platform MBean server exists. The
 * hypervisor delays creating that server (it costs megabytes and CPU a short-lived JVM should not
 * pay), but once the application, a JMX agent or an operator's attach has created it there is nothing
 * left to save: {@code ManagementFactory.getPlatformMBeanServer()} is woven to call
 * {@link #platformServerStarted()} on its way out, and the registration goes ahead at once.
 *
 * <p>Nothing here decides anything: code that calls {@link #platformServerStarted()} itself only
 * makes the MXBean appear sooner.
 */
public final class Management {
    private static volatile boolean started;
    private static volatile Thread waiter;

    private Management() {
    }

    /** Called when the platform MBean server has been obtained. Cheap after the first call. */
    public static void platformServerStarted() {
        if (started) {
            return;
        }
        started = true;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /**
     * Waits until the platform MBean server exists or the time is up (one waiting thread at a time).
     *
     * @return whether it exists
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public static boolean awaitPlatformServer(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiter = Thread.currentThread();
        try {
            for (long left = unit.toNanos(timeout); !started && left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(Management.class, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            return started;
        } finally {
            waiter = null;
        }
    }
}
