package org.agenthypervisor.core.store;

import static org.agenthypervisor.core.store.LogFiles.NAME;
import static org.agenthypervisor.core.store.LogFiles.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Durability modes, group commit, concurrent appenders and the fsyncgate failure policy. */
class DurabilityTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Durability.class, names = {"BATCH", "FSYNC"})
    void concurrentDurableAppendsGetDenseUniqueIndicesAndSurviveReopen(Durability d) throws Exception {
        int threads = 4;
        int perThread = 300;
        RecordLog.Options o = RecordLog.Options.defaults().withDurability(d).withSegmentSize(1024);
        Map<Long, byte[]> byIndex = new ConcurrentHashMap<>();
        try (RecordLog log = RecordLog.open(dir, NAME, o)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int tid = t;
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            byte[] p = ("t" + tid + "-" + i).getBytes(StandardCharsets.UTF_8);
                            long idx = log.appendDurable(p);
                            assertEquals(null, byIndex.put(idx, p), "index " + idx + " handed out twice");
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * perThread, log.size());
        }
        for (long i = 0; i < threads * perThread; i++) {
            assertTrue(byIndex.containsKey(i), "index " + i + " missing: indices must be dense");
        }
        try (RecordLog log = RecordLog.open(dir, NAME, o)) {
            assertFalse(log.openReport().tornTail());
            assertTrue(log.openReport().segments() > 1, "rolled while appending concurrently");
            List<byte[]> all = LogFiles.readAll(log);
            assertEquals(threads * perThread, all.size());
            for (int i = 0; i < all.size(); i++) {
                assertArrayEquals(byIndex.get((long) i), all.get(i), "record " + i);
            }
        }
    }

    /**
     * Holds the first force open while three more appenders write: in BATCH all three must then be
     * covered by one more force; in FSYNC each must issue its own.
     */
    @ParameterizedTest
    @EnumSource(value = Durability.class, names = {"BATCH", "FSYNC"})
    void batchSharesForcesFsyncDoesNot(Durability d) throws Exception {
        try (RecordLog log = RecordLog.open(dir, NAME, RecordLog.Options.defaults().withDurability(d))) {
            AtomicInteger forces = new AtomicInteger();
            CountDownLatch leaderInForce = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            log.faultHook = point -> {
                if (point.equals("force") && forces.incrementAndGet() == 1) {
                    leaderInForce.countDown();
                    await(release);
                }
            };
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Long>> fs = new ArrayList<>();
                fs.add(pool.submit(() -> log.appendDurable(payload(0))));
                assertTrue(leaderInForce.await(10, TimeUnit.SECONDS));
                for (int i = 1; i < 4; i++) {
                    int n = i;
                    fs.add(pool.submit(() -> log.appendDurable(payload(n))));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (log.size() < 4 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(4, log.size(), "followers wrote while the leader was forcing");
                for (int i = 1; i < 4; i++) {
                    assertFalse(fs.get(i).isDone(), "a follower returned before a force covered it");
                }
                release.countDown();
                for (Future<Long> f : fs) {
                    f.get(10, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(d == Durability.BATCH ? 2 : 4, forces.get());
        }
    }

    @Test
    void noneDoesNotForceOnAppendButSyncAndCloseDo() throws IOException {
        AtomicInteger forces = new AtomicInteger();
        RecordLog log = RecordLog.open(dir, NAME, RecordLog.Options.defaults().withDurability(Durability.NONE));
        log.faultHook = point -> {
            if (point.equals("force")) {
                forces.incrementAndGet();
            }
        };
        for (int i = 0; i < 10; i++) {
            log.appendDurable(payload(i));
        }
        assertEquals(0, forces.get());
        log.sync();
        assertEquals(1, forces.get());
        log.close();
        assertEquals(2, forces.get());
    }

    @Test
    void failedForceFailsTheLogAndIsNeverRetried() throws IOException {
        AtomicInteger forces = new AtomicInteger();
        RecordLog log = RecordLog.open(dir, NAME, RecordLog.Options.defaults());
        log.append(payload(1));
        log.faultHook = point -> {
            if (point.equals("force")) {
                forces.incrementAndGet();
                throw new IOException("simulated EIO");
            }
        };
        IOException e = assertThrows(IOException.class, () -> log.appendDurable(payload(2)));
        assertTrue(e.getMessage().contains("failed and must be closed and reopened"), e.getMessage());
        assertEquals("simulated EIO", e.getCause().getMessage());
        assertTrue(log.failed());

        for (IOAction a : List.<IOAction>of(() -> log.append(payload(3)), () -> log.appendDurable(payload(3)), log::sync)) {
            IOException later = assertThrows(IOException.class, a::run);
            assertTrue(later.getMessage().contains("simulated EIO"), later.getMessage());
        }
        assertEquals(1, forces.get(), "no force after the failed one, not even on close");
        assertEquals(2, log.size(), "records written before the failure stay readable");
        assertArrayEquals(payload(2), log.get(1));
        log.close();
        assertEquals(1, forces.get());

        try (RecordLog reopened = RecordLog.open(dir, NAME, RecordLog.Options.defaults())) {
            assertEquals(2, reopened.size());
            assertEquals(2, reopened.appendDurable(payload(3)));
        }
    }

    @Test
    void followersOfAFailedLeaderFailTooWithoutForcing() throws Exception {
        try (RecordLog log = RecordLog.open(dir, NAME, RecordLog.Options.defaults())) {
            AtomicInteger forces = new AtomicInteger();
            CountDownLatch leaderInForce = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            log.faultHook = point -> {
                if (point.equals("force")) {
                    forces.incrementAndGet();
                    leaderInForce.countDown();
                    await(release);
                    throw new IOException("simulated EIO");
                }
            };
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Long>> fs = new ArrayList<>();
                fs.add(pool.submit(() -> log.appendDurable(payload(0))));
                assertTrue(leaderInForce.await(10, TimeUnit.SECONDS));
                for (int i = 1; i < 4; i++) {
                    int n = i;
                    fs.add(pool.submit(() -> log.appendDurable(payload(n))));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (log.size() < 4 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                release.countDown();
                for (Future<Long> f : fs) {
                    java.util.concurrent.ExecutionException ee =
                            assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                    assertTrue(ee.getCause() instanceof IOException, String.valueOf(ee.getCause()));
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1, forces.get());
        }
    }

    @Test
    void failedWriteFailsTheLog() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, RecordLog.Options.defaults())) {
            log.append(payload(1));
            log.faultHook = point -> {
                if (point.equals("write")) {
                    throw new IOException("simulated ENOSPC");
                }
            };
            assertThrows(IOException.class, () -> log.append(payload(2)));
            log.faultHook = RecordLog.FaultHook.NONE;
            IOException e = assertThrows(IOException.class, () -> log.append(payload(2)));
            assertTrue(e.getMessage().contains("simulated ENOSPC"), e.getMessage());
            assertEquals(1, log.size());
        }
    }

    @Test
    void failedForceWhileRollingFailsTheLog() throws IOException {
        try (RecordLog log = RecordLog.open(dir, NAME, LogFiles.small().withDurability(Durability.NONE))) {
            log.faultHook = point -> {
                if (point.equals("force")) {
                    throw new IOException("simulated EIO");
                }
            };
            assertThrows(IOException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    log.append(payload(i));
                }
            });
            assertTrue(log.failed());
        }
    }

    @FunctionalInterface
    interface IOAction {
        void run() throws IOException;
    }

    private static void await(CountDownLatch l) throws IOException {
        try {
            if (!l.await(10, TimeUnit.SECONDS)) {
                throw new IOException("test latch timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
