package org.agenthypervisor.core.runtime;

import org.agenthypervisor.core.log.QuietLog;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaintenanceTest {

    @Test
    void aFailingTaskNeitherStopsTheOthersNorTheThread() throws Exception {
        Maintenance m = new Maintenance(0, 10);
        AtomicInteger failing = new AtomicInteger();
        CountDownLatch threeRounds = new CountDownLatch(3);
        m.add("broken", () -> {
            failing.incrementAndGet();
            throw new IllegalStateException("boom");
        });
        m.add("fine", threeRounds::countDown);
        try (QuietLog quiet = QuietLog.quiet()) {
            m.start();
            assertTrue(threeRounds.await(10, TimeUnit.SECONDS), "the good task ran in three rounds");
        } finally {
            m.stop();
        }
        assertTrue(failing.get() >= 3, "the failing task was tried every round: " + failing.get());
    }

    @Test
    void runOnceRunsEveryTaskOnTheCallingThreadAndStopEndsTheLoop() {
        Maintenance m = new Maintenance(60_000, 60_000);
        AtomicInteger runs = new AtomicInteger();
        m.add("count", runs::incrementAndGet);
        m.start();
        m.runOnce();
        assertEquals(1, runs.get(), "the first round waits for its delay; runOnce does not");
        m.stop();
        m.runOnce();
        assertEquals(1, runs.get(), "a stopped maintenance runs nothing");
    }
}
