package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SagaJournalTest {
    @TempDir
    Path dir;

    private static byte[] record(int thread, int i) {
        return JournalJson.record("step.done", "s" + thread, i).put("step", "s" + thread + "." + i).toBytes();
    }

    private List<String> readAll() throws IOException {
        List<String> out = new ArrayList<>();
        try (RecordLog log = SagaJournal.openReadOnly(dir)) {
            log.forEach(0, r -> out.add(new String(r.payload(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void fsyncAndBatchRecordsAreInTheFilesWhenWriteReturns() throws IOException {
        for (Policy.Durability mode : new Policy.Durability[] {Policy.Durability.FSYNC, Policy.Durability.BATCH}) {
            Path sub = dir.resolve(mode.name());
            try (SagaJournal journal = SagaJournal.open(sub, mode)) {
                journal.write(record(1, 1));
                journal.write(record(1, 2));
                try (RecordLog reader = SagaJournal.openReadOnly(sub)) {
                    assertEquals(2, reader.size(), mode + ": a process crash now would keep both");
                }
            }
        }
    }

    @Test
    void everyModeKeepsEachThreadsOrderUnderConcurrency() throws Exception {
        for (Policy.Durability mode : Policy.Durability.values()) {
            Path sub = dir.resolve(mode.name());
            int threads = 4;
            int perThread = mode == Policy.Durability.FSYNC ? 50 : 2_000;
            try (SagaJournal journal = SagaJournal.open(sub, mode, 2)) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            journal.write(record(thread, i));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
                pool.shutdown();
            }
            List<String> records = new ArrayList<>();
            try (RecordLog log = SagaJournal.openReadOnly(sub)) {
                log.forEach(0, r -> records.add(new String(r.payload(), StandardCharsets.UTF_8)));
            }
            assertEquals(threads * perThread, records.size(), mode.name());
            int[] next = new int[threads];
            for (String r : records) {
                int thread = r.charAt(r.indexOf("\"saga\":\"s") + 9) - '0';
                assertTrue(r.contains("\"time\":" + next[thread] + ","), mode + ": out of order: " + r);
                next[thread]++;
            }
        }
    }

    @Test
    void noneWritesInTheBackgroundAndCloseWritesTheRest() throws Exception {
        SagaJournal journal = SagaJournal.open(dir, Policy.Durability.NONE);
        for (int i = 0; i < 1000; i++) {
            journal.write(record(1, i));
        }
        journal.close();
        assertEquals(1000, readAll().size());
    }

    @Test
    void aClosedJournalRefusesRecords() throws IOException {
        SagaJournal journal = SagaJournal.open(dir, Policy.Durability.BATCH);
        journal.close();
        IOException refused = assertThrows(IOException.class, () -> journal.write(record(1, 1)));
        assertTrue(refused.getMessage().contains("closed"), refused.getMessage());
    }

    @Test
    void theBatchFlusherForcesWithinItsWindow() throws Exception {
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.BATCH, 1)) {
            journal.write(record(1, 1));
            // The flusher clears its flag just before it forces: once clear, the record's force has begun.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (flushScheduled(journal) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(!flushScheduled(journal), "the flusher took the record within its window");
        }
    }

    private static boolean flushScheduled(SagaJournal journal) throws Exception {
        var field = SagaJournal.class.getDeclaredField("flushScheduled");
        field.setAccessible(true);
        return ((java.util.concurrent.atomic.AtomicBoolean) field.get(journal)).get();
    }
}
