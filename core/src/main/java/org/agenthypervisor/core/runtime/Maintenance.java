package org.agenthypervisor.core.runtime;

import org.agenthypervisor.core.log.Log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The hypervisor's housekeeping thread: checks that the data directory's files are still where the
 * logs write them, and applies retention (archiving finished sagas, old ledger and audit segments).
 * Never on the start path: the first round runs {@link #firstDelayMillis} after start, then one every
 * {@link #periodMillis}. A task that fails is logged and tried again next round; it never stops the
 * thread or the others.
 */
final class Maintenance {
    private static final Log LOG = Log.get("maintenance");

    /** A named unit of housekeeping. */
    interface Task {
        void run() throws Exception;
    }

    private record Named(String name, Task task) {
    }

    private final List<Named> tasks = new CopyOnWriteArrayList<>();
    private final long firstDelayMillis;
    private final long periodMillis;
    private volatile boolean stopped;
    private Thread thread;

    Maintenance() {
        this(Long.getLong("agenthypervisor.maintenance.firstDelayMillis", 5_000),
                Long.getLong("agenthypervisor.maintenance.periodMillis", 60_000));
    }

    Maintenance(long firstDelayMillis, long periodMillis) {
        this.firstDelayMillis = Math.max(0, firstDelayMillis);
        this.periodMillis = Math.max(10, periodMillis);
    }

    void add(String name, Task task) {
        tasks.add(new Named(name, task));
    }

    synchronized void start() {
        if (thread != null || tasks.isEmpty()) {
            return;
        }
        thread = new Thread(new Loop(this), "agent-hypervisor-maintenance");
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs every task once, now, on the calling thread (for tests and the command line). */
    void runOnce() {
        for (Named t : tasks) {
            if (stopped) {
                return;
            }
            try {
                t.task().run();
            } catch (Exception | LinkageError failure) {
                LOG.error("maintenance task '" + t.name() + "' failed (tried again in " + periodMillis + " ms): " + failure,
                        failure);
            }
        }
    }

    /**
     * {@link #loop}, the thread's work. A class, not a lambda: each lambda costs ~0.5 ms to link at
     * start-up (issue 11).
     */
    private static final class Loop implements Runnable {
        private final Maintenance maintenance;

        Loop(Maintenance maintenance) {
            this.maintenance = maintenance;
        }

        @Override
        public void run() {
            maintenance.loop();
        }
    }

    private void loop() {
        long wait = firstDelayMillis;
        while (!stopped) {
            try {
                TimeUnit.MILLISECONDS.sleep(wait);
            } catch (InterruptedException stop) {
                return;
            }
            if (stopped) {
                return;
            }
            runOnce();
            wait = periodMillis;
        }
    }

    synchronized void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
