package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.policy.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Not a test: measures what opening the journal costs (open plus the replay the engine does) with
 * {@value #RECORDS} records of finished history, before and after compaction, plus a few unfinished
 * sagas among the first records. Run by hand:
 * {@code mvn test -f core/pom.xml -Dtest=JournalOpenMeasurement -Dagenthypervisor.measure=true}.
 * Prints the figures; asserts only what the journal holds, never a time.
 */
@EnabledIfSystemProperty(named = "agenthypervisor.measure", matches = "true")
class JournalOpenMeasurement {
    static final int RECORDS = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void openingBeforeAndAfterCompaction() throws Exception {
        long old = System.currentTimeMillis() - 2 * 24 * 3_600_000L;
        byte[] args = "[\"acct-0001\",125]".getBytes(StandardCharsets.UTF_8);
        byte[] result = "\"tx-0001\"".getBytes(StandardCharsets.UTF_8);
        int unfinished = 5;
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.NONE)) {
            int sagas = RECORDS / 4;
            for (int n = 1; n <= sagas; n++) {
                String id = "s" + n;
                String step = id + ".1";
                journal.append(JournalRecords.begin(id, old, "transfer", "com.acme.Desk#transfer()", "host"));
                journal.append(JournalRecords.stepStarted(new JournalRecords.StepStart(id, step, old,
                        "com.acme.Bank#debit(String,long)", "com.acme.Bank", "com.acme.Bank", "credit",
                        "(Ljava/lang/String;J)V", false, false, args, true, null, "host", 0)));
                journal.append(JournalRecords.stepDone(id, step, old, result, true));
                if (n > unfinished) {
                    journal.append(JournalRecords.end(id, old, JournalRecords.COMPLETED, 0, 0));
                }
            }
        }
        long[] before = open(3);
        JournalCompaction.Result compacted;
        long compactNanos = System.nanoTime();
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            compacted = JournalCompaction.compact(journal, null, System.currentTimeMillis(), 24 * 3_600_000L, true, 1);
        }
        compactNanos = System.nanoTime() - compactNanos;
        long[] after = open(3);
        assertEquals(unfinished, before[1]);
        assertEquals(unfinished, after[1]);
        System.out.printf("SAGA JOURNAL OPEN with %,d records of finished history (%d unfinished sagas among the first):%n"
                        + "  before compaction: %,d ms (best of 3), %,d records read%n"
                        + "  compaction: %,d ms (%s)%n"
                        + "  after compaction:  %,d ms (best of 3), %,d records read%n",
                RECORDS, unfinished, before[0], before[2], compactNanos / 1_000_000, compacted, after[0], after[2]);
    }

    /** Best time of {@code runs} opens (open plus the engine's replay), the unfinished sagas, the records read. */
    private long[] open(int runs) throws Exception {
        long best = Long.MAX_VALUE;
        long unfinished = -1;
        long records = -1;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
                SagaHistory h = SagaHistory.replay(journal.recordLog(), journal.seal(), false, true);
                unfinished = h.unfinished().size();
                records = h.records();
            }
            best = Math.min(best, (System.nanoTime() - t) / 1_000_000);
        }
        return new long[] {best, unfinished, records};
    }
}
