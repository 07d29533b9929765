package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.policy.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code store import} reads of a file journal ({@link JournalExport}): each saga's records as they were
 * written, also through compaction (carries expanded, the archive read when kept), the highest id ever
 * used, and a refusal for a damaged journal.
 */
class JournalExportTest {
    private static final long HOUR = 3_600_000;

    @TempDir
    Path dir;

    private final List<byte[]> s2 = new ArrayList<>();
    private final List<byte[]> s5 = new ArrayList<>();

    private static long now() {
        return System.currentTimeMillis();
    }

    private void write(SagaJournal journal, List<byte[]> saga, byte[] record) throws IOException {
        saga.add(record);
        journal.write(record);
    }

    /** s2 stays running across a compaction; s5 completes before it (archived, or deleted). */
    private void journalCompacted(boolean keepArchive) throws IOException {
        byte[] one = "1".getBytes(StandardCharsets.UTF_8);
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            write(journal, s2, JournalRecords.begin("s2", now(), "transfer", "T.transfer()", "host"));
            write(journal, s5, JournalRecords.begin("s5", now(), "refund", "T.refund()", "host"));
            write(journal, s2, JournalRecords.stepDone("s2", "s2.1", now(), one, true));
            write(journal, s5, JournalRecords.end("s5", now(), JournalRecords.COMPLETED, 0, 0));
            JournalCompaction.Result r = JournalCompaction.compact(journal, null, now() + 2 * HOUR, HOUR, keepArchive, 1);
            assertTrue(r.firstAfter() > 0, "compacted: " + r);
            write(journal, s2, JournalRecords.rollback("s2", now(), "java.lang.IllegalStateException: no", 1));
        }
    }

    private static List<String> texts(List<byte[]> records) {
        return records.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    private static List<String> exported(JournalExport.Saga saga) {
        return texts(saga.records().stream().map(JournalExport.Record::json).toList());
    }

    @Test
    void aCompactedJournalWithItsArchiveExportsEverySagaAsWritten() throws IOException {
        journalCompacted(true);
        JournalExport.Export export = JournalExport.read(dir, SagaJournal.defaultKeysDir(dir));
        assertNotNull(export);
        assertEquals(List.of("s2", "s5"), export.sagas().stream().map(JournalExport.Saga::id).toList());
        // The carry repeats what the archive holds: each record once, in journal order.
        assertEquals(texts(s2), exported(export.sagas().get(0)));
        assertEquals(texts(s5), exported(export.sagas().get(1)));
        assertEquals("compensating", export.sagas().get(0).sharedState());
        assertEquals("ended", export.sagas().get(1).sharedState());
        assertEquals(1, export.unfinished());
        assertEquals(5, export.highestNumber());
        assertNull(export.note());
    }

    @Test
    void aCompactedJournalWhoseArchiveWasDeletedExportsTheCarriedSagasWholeAndKeepsTheirIdsTaken() throws IOException {
        journalCompacted(false);
        JournalExport.Export export = JournalExport.read(dir, SagaJournal.defaultKeysDir(dir));
        assertNotNull(export);
        assertEquals(List.of("s2"), export.sagas().stream().map(JournalExport.Saga::id).toList());
        assertEquals(texts(s2), exported(export.sagas().get(0)), "the carry expanded into the records it stands for");
        assertEquals(5, export.highestNumber(), "s5 is gone, its id stays taken");
        assertTrue(export.note().contains("saga.archive: delete"), export.note());
    }

    @Test
    void aDamagedJournalIsRefused() throws IOException {
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            write(journal, s2, JournalRecords.begin("s2", now(), "transfer", "T.transfer()", "host"));
            write(journal, s2, JournalRecords.stepDone("s2", "s2.1", now(), "1".getBytes(StandardCharsets.UTF_8), true));
        }
        Path segment = SagaJournal.directory(dir).resolve("journal-00000000000000000000.seg");
        byte[] bytes = Files.readAllBytes(segment);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("transfer");
        bytes[at] ^= 1; // in the first record: a crash cannot explain it
        Files.write(segment, bytes);
        IOException refused = assertThrows(IOException.class, () -> JournalExport.read(dir, SagaJournal.defaultKeysDir(dir)));
        assertTrue(refused.getMessage().contains("is damaged, so it is not imported")
                && refused.getMessage().contains(segment + " at byte offset")
                && refused.getMessage().contains("(record index 0)"), refused.getMessage());
    }

    /**
     * A journal that lost its tail (cut at a record boundary, its high-water mark gone) shows a saga
     * unfinished whose end the audit log recorded: imported, a live JVM would compensate it again.
     */
    @Test
    void aJournalThatLostAnEndTheAuditLogRecordedIsRefused() throws IOException {
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            write(journal, s2, JournalRecords.begin("s2", now(), "transfer", "T.transfer()", "host"));
        }
        Path segment = SagaJournal.directory(dir).resolve("journal-00000000000000000000.seg");
        long beforeEnd = Files.size(segment);
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            write(journal, s2, JournalRecords.end("s2", now(), JournalRecords.OUTCOME_COMPENSATED, 0, 0));
        }
        try (org.agenthypervisor.core.audit.AuditLog audit = org.agenthypervisor.core.audit.AuditLog.open(dir,
                new Policy.AuditSettings(Policy.Durability.FSYNC, 10, 100, HOUR))) {
            audit.record("saga.end", java.util.Map.of("saga", "s2", "name", "transfer", "outcome", "compensated"));
        }
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(beforeEnd); // the end record gone
        }
        Files.delete(SagaJournal.directory(dir).resolve("journal.hwm"));
        IOException refused = assertThrows(IOException.class, () -> JournalExport.read(dir, SagaJournal.defaultKeysDir(dir)));
        assertTrue(refused.getMessage().contains("lost records at its tail")
                && refused.getMessage().contains("[s2] unfinished"), refused.getMessage());
    }

    @Test
    void aDirectoryWithoutAJournalExportsNothing() throws IOException {
        assertNull(JournalExport.read(dir, SagaJournal.defaultKeysDir(dir)));
    }
}
