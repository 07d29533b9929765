package org.agenthypervisor.core.saga;

import com.acme.sagaunit.Bank;
import com.acme.sagaunit.Workflow;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaHistory.State;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compaction of the saga journal ({@link JournalCompaction}): finished sagas leave the live journal
 * after the retention, unfinished ones are carried past the cut and recovered exactly once, ids are
 * never reused, a run interrupted between its steps leaves a journal that opens, and a live part
 * whose start was forged is refused.
 */
class SagaCompactionTest {
    private static final String MIN_RECORDS = "agenthypervisor.saga.compactionMinRecords";
    private static final long HOUR = 3_600_000;

    @TempDir
    Path dir;
    Harness h;
    final Bank bank = new Bank();

    @BeforeEach
    void reset() {
        Bank.reset();
        System.setProperty(MIN_RECORDS, "1"); // a checkpoint at every run, however short the test's journal
    }

    @AfterEach
    void stop() {
        System.clearProperty(MIN_RECORDS);
        if (h != null) {
            h.close();
        }
    }

    private static String policy(String retention, String archive) {
        return "version: 1\nsaga:\n  durability: fsync\n  retries: 1\n  backoff: 1ms\n  maxBackoff: 1ms\n  retention: "
                + retention + "\n  archive: " + archive + "\n";
    }

    private Harness start(String retention, String archive) {
        Harness started = new Harness(dir, policy(retention, archive)).register(Bank.class, Workflow.class);
        Bank.stepProbe = () -> started.sagas.currentStep(started.current());
        return started;
    }

    private void debit(Harness on, String account, long amount) throws Exception {
        on.call(Bank.class, bank, "debit", new Object[] {account, amount}, () -> bank.debit(account, amount));
    }

    /** {@code n} sagas that complete, one that is compensated, one that ends escalated. */
    private void finishedSagas(Harness on, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            long amount = i;
            on.call(Workflow.class, new Workflow(), "transfer", new Object[0], () -> {
                debit(on, "c", amount);
                return null;
            });
        }
        assertThrows(IllegalStateException.class, () -> on.call(Workflow.class, new Workflow(), "transfer", new Object[0], () -> {
            debit(on, "f", 7);
            throw new IllegalStateException("declined");
        }));
        assertThrows(IllegalStateException.class, () -> on.call(Workflow.class, new Workflow(), "transfer", new Object[0], () -> {
            on.call(Bank.class, bank, "ship", new Object[] {"o1"}, () -> {
                bank.ship("o1");
                return null;
            });
            throw new IllegalStateException("lost");
        }));
    }

    /** Begins a saga with two done steps and "crashes" (the boundary never returns). */
    private void crashInsideASaga(Harness on) {
        on.enter(Workflow.class, new Workflow(), "transfer", new Object[0]);
        try {
            debit(on, "a", 1);
            debit(on, "b", 2);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        on.resetContext();
        on.close();
        Bank.LOG.add("--- crash");
    }

    private RecordLog live() throws IOException {
        return SagaJournal.openReadOnly(dir);
    }

    private SagaHistory liveHistory() throws IOException {
        try (RecordLog log = live()) {
            return SagaHistory.replay(log, true, true);
        }
    }

    private SagaHistory fullHistory() throws IOException {
        Path archiveDir = JournalCompaction.archiveDir(SagaJournal.directory(dir));
        try (RecordLog log = live();
             RecordLog archive = RecordLog.open(archiveDir, SagaJournal.NAME, RecordLog.Options.defaults().withReadOnly(true))) {
            JournalSeal seal = JournalSeal.load(SagaJournal.defaultKeysDir(dir)).orElseThrow();
            return SagaHistory.replayWithArchive(archive, log, seal, true, true);
        }
    }

    private List<String> credits() {
        return Bank.LOG.stream().filter(l -> l.startsWith("credit a") || l.startsWith("credit b")).toList();
    }

    @Test
    void anUnfinishedSagaIsCarriedPastTheCutAndCompensatedExactlyOnceAfterRestarts() throws Exception {
        Harness first = start("0s", "keep");
        finishedSagas(first, 20);
        crashInsideASaga(first); // s23
        long recordsBefore;
        try (RecordLog log = live()) {
            recordsBefore = log.size();
        }

        h = start("0s", "keep"); // compacts at open: s1..s22 out, s23 carried
        try (RecordLog log = live()) {
            assertTrue(log.firstIndex() >= recordsBefore, "everything written before the crash left the live log: "
                    + log.firstIndex());
        }
        SagaHistory live = liveHistory();
        assertEquals(List.of("s23"), live.sagas().stream().map(SagaView::id).toList());
        assertEquals(State.RUNNING, live.saga("s23").state());
        assertEquals(List.of("s23"), h.sagas.unfinished());
        h.sagas.recoverOnStart();
        assertEquals(List.of("credit b 2 @s23.2", "credit a 1 @s23.1"), credits(), "reverse order, right step ids");
        h.close();

        h = start("0s", "keep"); // compacts again: s23 has ended, so it leaves too
        h.sagas.recoverOnStart();
        assertEquals(2, credits().size(), "nothing compensated twice: " + Bank.LOG);
        assertTrue(h.sagas.unfinished().isEmpty());
        h.call(Workflow.class, new Workflow(), "transfer", new Object[0], () -> {
            debit(h, "n", 1);
            return null;
        });
        h.close();
        h = null;

        SagaHistory all = fullHistory();
        assertEquals(24, all.sagas().size(), "the archive and the live part hold every saga once");
        assertEquals(State.COMPLETED, all.saga("s1").state());
        assertEquals(State.COMPENSATED, all.saga("s21").state());
        assertEquals(State.ESCALATED, all.saga("s22").state());
        assertEquals(State.COMPENSATED, all.saga("s23").state());
        assertEquals(State.COMPLETED, all.saga("s24").state(), "the next id after compaction is above every archived one");
        assertTrue(all.unauthenticated().isEmpty(), "the chain verifies across the cuts: " + all.unauthenticated());
        assertNull(liveHistory().saga("s1"));
    }

    @Test
    void finishedSagasStayLiveUntilTheRetentionPassesAndThenOnlyTheArchiveHasThem() throws Exception {
        Harness first = start("1h", "keep");
        finishedSagas(first, 10);
        first.close();
        long now = System.currentTimeMillis();
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            JournalCompaction.Result early = JournalCompaction.compact(journal, null, now, HOUR, true, 1);
            assertTrue(early.checkpoint() > 0, early.toString());
            assertEquals(0, early.firstAfter(), "younger than the retention: nothing leaves. " + early);
            JournalCompaction.Result later = JournalCompaction.compact(journal, null, now + 2 * HOUR, HOUR, true, 1);
            assertTrue(later.firstAfter() > early.checkpoint(), later.toString());
            JournalCompaction.Result again = JournalCompaction.compact(journal, null, now + 3 * HOUR, HOUR, true, 1);
            assertEquals(-1, again.checkpoint(), "nothing new: nothing written. " + again);
            assertEquals(later.firstAfter(), again.firstAfter());
        }
        assertTrue(liveHistory().sagas().isEmpty());
        SagaHistory all = fullHistory();
        assertEquals(12, all.sagas().size());
        assertEquals(State.ESCALATED, all.saga("s12").state());
        assertEquals(12, all.highestNumber());
    }

    @Test
    void idsAreNeverReusedAfterTheArchiveWasDeleted() throws Exception {
        Harness first = start("0s", "delete");
        finishedSagas(first, 3);
        first.close();
        start("0s", "delete").close(); // compacts at open: the live journal keeps only a checkpoint
        assertFalse(Files.exists(JournalCompaction.archiveDir(SagaJournal.directory(dir))), "delete keeps no archive");
        try (RecordLog log = live()) {
            assertTrue(log.firstIndex() > 0);
            assertEquals(1, log.size() - log.firstIndex(), "only the checkpoint is live");
        }
        h = start("0s", "delete");
        h.call(Workflow.class, new Workflow(), "transfer", new Object[0], () -> null);
        assertEquals(List.of("s6"), liveHistory().sagas().stream().map(SagaView::id).toList());
    }

    @Test
    void aCheckpointWhoseCarriesWereNotAllWrittenIsNeverACut() throws Exception {
        Harness first = start("0s", "keep");
        finishedSagas(first, 2);
        crashInsideASaga(first); // s5
        long incomplete;
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            // A crash after the checkpoint, before the one carry it announces.
            incomplete = journal.exclusive(w -> {
                w.roll();
                long k = w.next();
                w.append(JournalRecords.checkpoint(System.currentTimeMillis(), k, w.previousTag(), 5, 1, k));
                return k;
            });
        }
        start("0s", "keep").close();
        try (RecordLog log = live()) {
            assertTrue(log.firstIndex() > incomplete, "the next run wrote a whole checkpoint and cut there");
        }
        h = start("0s", "keep"); // reads the live part only: s5 comes from its carry
        h.sagas.recoverOnStart();
        assertEquals(List.of("credit b 2 @s5.2", "credit a 1 @s5.1"), credits());
    }

    @Test
    void aLiveJournalStartingAtACheckpointWhoseCarriesAreMissingIsRefused() throws Exception {
        Harness first = start("0s", "keep");
        finishedSagas(first, 1);
        crashInsideASaga(first); // s4
        long incomplete;
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            incomplete = journal.exclusive(w -> {
                w.roll();
                long k = w.next();
                w.append(JournalRecords.checkpoint(System.currentTimeMillis(), k, w.previousTag(), 4, 1, k));
                return k;
            });
        }
        Path journalDir = SagaJournal.directory(dir);
        for (Path segment : segments(journalDir)) {
            if (firstIndexOf(segment) < incomplete) {
                Files.delete(segment);
            }
        }
        writeStart(journalDir, incomplete);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> start("0s", "keep"));
        assertTrue(refused.getMessage().contains("announces 1 carried saga(s) but 0 follow it"), refused.getMessage());
    }

    @Test
    void aRunStoppedBetweenItsCarriesAndTheArchiveCutsAtTheNextOneAndLeftoverCopiesDoNotMatter() throws Exception {
        Harness first = start("0s", "keep");
        finishedSagas(first, 2);
        crashInsideASaga(first); // s5
        Path journalDir = SagaJournal.directory(dir);
        Path archiveDir = JournalCompaction.archiveDir(journalDir);
        JournalCompaction.Result written;
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            written = JournalCompaction.checkpoint(journal, null, System.currentTimeMillis(), 0, 1);
            assertEquals(written.checkpoint(), written.firstAfter(), written.toString());
        }
        // ... and inside the archive step, before the start file: a partial copy is already there.
        Files.createDirectories(archiveDir);
        Path firstSegment = segments(journalDir).get(0);
        Files.write(archiveDir.resolve(firstSegment.getFileName()), new byte[] {1, 2, 3});
        try (RecordLog log = live()) {
            assertEquals(0, log.firstIndex());
        }
        start("0s", "keep").close();
        try (RecordLog log = live()) {
            assertEquals(written.checkpoint(), log.firstIndex(), "the next run cut at the whole checkpoint");
        }
        h = start("0s", "keep"); // reads the live part only: s5 comes from its carry
        h.sagas.recoverOnStart();
        assertEquals(List.of("credit b 2 @s5.2", "credit a 1 @s5.1"), credits());
        h.close();
        // After the start file, before the live copies went: the next open deletes them.
        Files.copy(archiveDir.resolve(firstSegment.getFileName()), firstSegment);
        h = start("0s", "keep");
        h.sagas.recoverOnStart();
        assertEquals(2, credits().size(), "nothing compensated twice: " + Bank.LOG);
        assertFalse(Files.exists(firstSegment));
        h.close();
        h = null;
        assertEquals(State.COMPENSATED, fullHistory().saga("s5").state());
        assertEquals(5, fullHistory().sagas().size());
    }

    /** Two checkpoints in the live part: the first one the cut, the second written while recent sagas kept it live. */
    private long[] twoCheckpoints() throws Exception {
        Harness first = start("1h", "keep");
        finishedSagas(first, 3);
        crashInsideASaga(first); // s6
        long now = System.currentTimeMillis();
        long k1;
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            JournalCompaction.Result r = JournalCompaction.compact(journal, null, now + 2 * HOUR, HOUR, true, 1);
            k1 = r.firstAfter();
            assertEquals(r.checkpoint(), k1, r.toString());
        }
        Harness second = start("1h", "keep");
        finishedSagas(second, 2);
        second.close();
        long k2;
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            JournalCompaction.Result r = JournalCompaction.compact(journal, null, now, HOUR, true, 1);
            k2 = r.checkpoint();
            assertEquals(k1, r.firstAfter(), "recent sagas keep the second checkpoint from being the cut");
        }
        assertTrue(k2 > k1);
        return new long[] {k1, k2};
    }

    @Test
    void removingLiveSegmentsAndWritingTheStartByHandIsRefused() throws Exception {
        long[] k = twoCheckpoints();
        Path journalDir = SagaJournal.directory(dir);
        // Start the live part at the second checkpoint: a whole, authentic one, but past the named cut.
        for (Path segment : segments(journalDir)) {
            if (firstIndexOf(segment) < k[1]) {
                Files.delete(segment);
            }
        }
        writeStart(journalDir, k[1]);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> start("1h", "keep"));
        assertTrue(refused.getMessage().contains("the last compaction cut at record " + k[0]), refused.getMessage());
        assertTrue(refused.getMessage().contains(journalDir.toString()), refused.getMessage());
        assertEquals(List.of(), credits(), "nothing recovered");
    }

    @Test
    void aLiveJournalThatDoesNotStartAtACheckpointIsRefused() throws Exception {
        long[] k = twoCheckpoints();
        Path journalDir = SagaJournal.directory(dir);
        // A segment boundary that is not a checkpoint: sealed records appended in one-record segments.
        long boundary;
        JournalSeal seal = JournalSeal.load(SagaJournal.defaultKeysDir(dir)).orElseThrow();
        try (RecordLog log = RecordLog.open(journalDir, SagaJournal.NAME,
                SagaJournal.logOptions().withSegmentSize(RecordLog.Options.MIN_SEGMENT_SIZE))) {
            JournalSeal.Chain chain = new JournalSeal.Chain(() -> seal, log.size(), log.get(log.size() - 1));
            for (int i = 0; i < 3; i++) {
                byte[] sealed = chain.seal(JournalRecords.begin("s" + (100 + i), 1L, "x", "m", "host"));
                log.append(sealed);
                chain.appended(sealed);
                sealed = chain.seal(JournalRecords.end("s" + (100 + i), 2L, JournalRecords.COMPLETED, 0, 0));
                log.append(sealed);
                chain.appended(sealed);
            }
            log.sync();
            long[] starts = log.segmentStarts();
            boundary = starts[starts.length - 2];
        }
        assertTrue(boundary > k[1]);
        for (Path segment : segments(journalDir)) {
            if (firstIndexOf(segment) < boundary) {
                Files.delete(segment);
            }
        }
        writeStart(journalDir, boundary);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> start("1h", "keep"));
        assertTrue(refused.getMessage().contains("is not the checkpoint compaction writes"), refused.getMessage());
    }

    @Test
    void anEditedCarryIsNeverRecovered() throws Exception {
        Harness first = start("0s", "keep");
        finishedSagas(first, 1);
        crashInsideASaga(first); // s4
        h = start("0s", "keep");
        h.close();
        h = null;
        Path journalDir = SagaJournal.directory(dir);
        Path head = segments(journalDir).get(0);
        // The carry is the second record of the first live segment; the forger recomputes the frame's CRC.
        editRecord(head, 1, json -> {
            String text = new String(json, StandardCharsets.ISO_8859_1);
            String edited = text.replace("[\"a\",1]", "[\"z\",9]");
            assertFalse(edited.equals(text), text);
            return edited.getBytes(StandardCharsets.ISO_8859_1);
        });
        h = start("0s", "keep");
        h.sagas.recoverOnStart();
        assertEquals(List.of(), credits(), "an edited carry is never acted on: " + Bank.LOG);
        assertEquals(List.of("s4"), h.sagas.held());
        assertEquals(1, h.audit.ofType("saga.journal.unauthenticated").size());
    }

    @Test
    void aSagaRunningWhileTheEngineCompactsKeepsItsStepOrderAcrossTheCarry() throws Exception {
        for (String durability : new String[] {"fsync", "batch", "none"}) {
            Bank.reset();
            Path sub = dir.resolve(durability);
            String policy = policy("0s", "keep").replace("durability: fsync", "durability: " + durability);
            Harness on = new Harness(sub, policy).register(Bank.class, Workflow.class);
            Bank.stepProbe = () -> on.sagas.currentStep(on.current());
            finishedSagas(on, 2);
            on.enter(Workflow.class, new Workflow(), "transfer", new Object[0]); // s5, running
            debit(on, "a", 1);
            JournalCompaction.Result result = on.sagas.compact(); // what the runtime's maintenance thread calls
            assertEquals(1, result.carried(), durability + ": " + result);
            assertTrue(result.firstAfter() > 0, durability + ": " + result);
            debit(on, "b", 2);
            on.resetContext();
            on.close();
            new Harness(sub, policy).register(Bank.class, Workflow.class).close(); // compacts again: both steps carried
            Harness after = new Harness(sub, policy).register(Bank.class, Workflow.class);
            Bank.stepProbe = () -> after.sagas.currentStep(after.current());
            try (RecordLog log = SagaJournal.openReadOnly(sub)) {
                assertEquals(List.of("s5"), SagaHistory.replay(log, true, true).sagas().stream().map(SagaView::id).toList(),
                        durability);
            }
            after.sagas.recoverOnStart();
            after.close();
            assertEquals(List.of("credit b 2 @s5.2", "credit a 1 @s5.1"), credits(), durability + ": most recently done first");
        }
    }

    @Test
    void anOperatorCanStillResealACompactedJournalAndItsCarriedSagaIsRecovered() throws Exception {
        Harness first = start("0s", "keep");
        finishedSagas(first, 2);
        crashInsideASaga(first); // s5
        start("0s", "keep").close(); // compacts: s5 carried
        JournalReseal.Result resealed = JournalReseal.reseal(dir, SagaJournal.defaultKeysDir(dir));
        assertEquals(2, resealed.records(), "the live part only: the checkpoint and the carry");
        h = start("0s", "keep");
        h.sagas.recoverOnStart();
        assertEquals(List.of("credit b 2 @s5.2", "credit a 1 @s5.1"), credits());
        h.call(Workflow.class, new Workflow(), "transfer", new Object[0], () -> null);
        assertNotNull(liveHistory().saga("s6"), "ids continue after the re-sealed checkpoint");
    }

    // ---------------------------------------------------------------- file helpers (what a forger does)

    private static List<Path> segments(Path journalDir) throws IOException {
        try (Stream<Path> files = Files.list(journalDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static long firstIndexOf(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(SagaJournal.NAME.length() + 1, name.length() - ".seg".length()));
    }

    /** {@code journal.start} as the store writes it: magic, version, first index, CRC32C. */
    private static void writeStart(Path journalDir, long first) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24);
        b.putInt(0x41485354).putShort((short) 1).putShort((short) 0).putLong(first).putInt(0);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 20);
        b.putInt(20, (int) crc.getValue());
        Files.write(journalDir.resolve(SagaJournal.NAME + ".start"), b.array());
    }

    /** Replaces the JSON of the n-th record of a segment by one of the same length, recomputing the frame's CRC. */
    private static void editRecord(Path segment, int n, UnaryOperator<byte[]> edit) throws IOException {
        byte[] file = Files.readAllBytes(segment);
        ByteBuffer b = ByteBuffer.wrap(file);
        int offset = 24;
        for (int i = 0; i < n; i++) {
            offset += 12 + b.getInt(offset);
        }
        int length = b.getInt(offset);
        byte[] payload = java.util.Arrays.copyOfRange(file, offset + 12, offset + 12 + length);
        byte[] json = java.util.Arrays.copyOfRange(payload, JournalSeal.HEADER_SIZE, payload.length);
        byte[] edited = edit.apply(json);
        assertEquals(json.length, edited.length);
        System.arraycopy(edited, 0, file, offset + 12 + JournalSeal.HEADER_SIZE, edited.length);
        CRC32C crc = new CRC32C();
        crc.update(file, offset, 4);
        crc.update(file, offset + 12, length);
        b.putInt(offset + 8, (int) crc.getValue());
        Files.write(segment, file);
    }
}
