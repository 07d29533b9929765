package org.agenthypervisor.core.saga;

import com.acme.sagaunit.Bank;
import com.acme.sagaunit.Workflow;
import org.agenthypervisor.core.saga.SagaHistory.Reason;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Someone who can write the data directory, but not read the hypervisor's key, edits the journal
 * (recomputing the record log's CRCs, which only catch accidents). Recovery must not act on what they
 * wrote, must report it, and must leave the journal as it found it.
 */
class JournalAuthenticationTest {
    @TempDir
    Path dir;
    Harness h;
    final Bank bank = new Bank();

    @BeforeEach
    void reset() {
        Bank.reset();
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private Harness start(Path dataDir) {
        Harness started = new Harness(dataDir, Harness.policy("fsync")).register(Bank.class, Workflow.class);
        Bank.stepProbe = () -> started.sagas.currentStep(started.current());
        return started;
    }

    /** A saga s1 with two done debits, then a "crash" (the boundary never returns). */
    private void crashWithTwoDebits(Path dataDir) throws Exception {
        Harness first = start(dataDir);
        first.enter(Workflow.class, new Workflow(), "transfer", new Object[0]);
        debit(first, "a", 1);
        debit(first, "b", 2);
        first.resetContext();
        first.close();
        Bank.LOG.add("--- crash");
    }

    private void debit(Harness on, String account, long amount) throws Exception {
        on.call(Bank.class, bank, "debit", new Object[] {account, amount}, () -> bank.debit(account, amount));
    }

    private static List<byte[]> stored(Path dataDir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (RecordLog log = SagaJournal.openReadOnly(dataDir)) {
            log.forEach(0, r -> out.add(r.payload()));
        }
        return out;
    }

    /** Replaces the journal with these records: the record log frames them and computes their CRCs, as a forger would. */
    private static void rewrite(Path dataDir, List<byte[]> records) throws IOException {
        Path journal = SagaJournal.directory(dataDir);
        try (Stream<Path> walk = Files.walk(journal)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        try (RecordLog log = RecordLog.open(journal, SagaJournal.NAME, RecordLog.Options.defaults())) {
            for (byte[] r : records) {
                log.append(r);
            }
            log.sync();
        }
    }

    /** A format 2 record with a tag the forger had to guess. */
    private static byte[] forged(byte[] json) {
        byte[] record = new byte[JournalSeal.HEADER_SIZE + json.length];
        record[0] = JournalSeal.FORMAT;
        byte[] tag = new byte[JournalSeal.TAG_SIZE];
        new Random(42).nextBytes(tag);
        System.arraycopy(tag, 0, record, 1, tag.length);
        System.arraycopy(json, 0, record, JournalSeal.HEADER_SIZE, json.length);
        return record;
    }

    /** A done step of Bank.debit that never ran, whose compensation would credit the forger. */
    private static List<byte[]> forgedStep(String saga, String step) {
        byte[] args = "[\"forger\",1000000]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] started = JournalRecords.stepStarted(new JournalRecords.StepStart(saga, step, 1L,
                "com.acme.sagaunit.Bank#debit(String,long)", Bank.class.getName(), Bank.class.getName(), "credit",
                "(Ljava/lang/String;J)V", false, false, args, true, null, "host", 0));
        byte[] done = JournalRecords.stepDone(saga, step, 2L, "\"tx\"".getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
        return List.of(started, done);
    }

    private void assertNothingCompensated() {
        assertEquals(List.of("debit a 1", "debit b 2", "--- crash"), Bank.LOG, "recovery acted on a journal that failed authentication");
    }

    private Map<String, Object> reported() {
        List<Map<String, Object>> records = h.audit.ofType("saga.journal.unauthenticated");
        assertEquals(1, records.size(), "one audit record for the authentication failure");
        return records.get(0);
    }

    @Test
    void aCleanJournalVerifiesAndRecoversAsBefore() throws Exception {
        crashWithTwoDebits(dir);
        assertTrue(stored(dir).stream().allMatch(JournalSeal::isSealed), "every record is stored sealed");
        h = start(dir);
        assertTrue(h.audit.ofType("saga.journal.unauthenticated").isEmpty());
        h.sagas.recoverOnStart();
        assertEquals(List.of("debit a 1", "debit b 2", "--- crash", "credit b 2 @s1.2", "credit a 1 @s1.1"), Bank.LOG);
        SagaHistory history;
        try (RecordLog log = SagaJournal.openReadOnly(dir)) {
            history = SagaHistory.replay(log, true, false);
        }
        assertTrue(history.unauthenticated().isEmpty(), String.valueOf(history.unauthenticated()));
    }

    @Test
    void aForgedStepWithRecomputedCrcsIsNeverCompensatedAndIsReported() throws Exception {
        crashWithTwoDebits(dir);
        List<byte[]> records = new ArrayList<>(stored(dir));
        int first = records.size();
        for (byte[] json : forgedStep("s1", "s1.9")) {
            records.add(forged(json));
        }
        rewrite(dir, records);
        List<byte[]> before = stored(dir);

        h = start(dir);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        assertEquals(List.of("s1"), h.sagas.held());
        assertTrue(h.sagas.unfinished().isEmpty(), "nothing is pending recovery");
        Map<String, Object> audit = reported();
        assertEquals(List.of((long) first, (long) first + 1), audit.get("records"));
        assertEquals(Boolean.TRUE, audit.get("tampered"));
        assertEquals(List.of("s1"), audit.get("held"));
        // Reported, never rewritten or dropped.
        List<byte[]> after = stored(dir);
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), after.get(i));
        }
        // Governance goes on: a new saga runs and is journaled (and authenticated) after the forged records.
        h.enter(Workflow.class, new Workflow(), "transfer", new Object[0]);
        debit(h, "c", 3);
        h.resetContext();
        SagaHistory history;
        try (RecordLog log = SagaJournal.openReadOnly(dir)) {
            history = SagaHistory.replay(log, true, true);
        }
        assertEquals(2, history.unauthenticated().size(), String.valueOf(history.unauthenticated()));
        assertTrue(history.unauthenticated().stream().allMatch(u -> u.reason() == Reason.BAD_TAG && u.saga().equals("s1")));
        assertTrue(history.saga("s1").quarantined());
        assertEquals("s2", history.sagas().get(1).id());
        assertFalse(history.saga("s2").quarantined(), "records after the forged ones still verify");
    }

    @Test
    void anEditedRecordIsRefused() throws Exception {
        crashWithTwoDebits(dir);
        List<byte[]> records = new ArrayList<>(stored(dir));
        // Record 1 is s1.1's step.started: make its compensation credit someone else, keep its tag.
        byte[] edited = records.get(1).clone();
        String text = new String(edited, java.nio.charset.StandardCharsets.ISO_8859_1).replace("[\"a\",1]", "[\"z\",9]");
        records.set(1, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        rewrite(dir, records);
        h = start(dir);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        assertEquals(List.of(1L), reported().get("records"), "the edited record (the next one chains to its stored tag)");
    }

    @Test
    void reorderedRecordsAreRefused() throws Exception {
        crashWithTwoDebits(dir);
        List<byte[]> records = new ArrayList<>(stored(dir));
        // begin, started a, done a, started b, done b: compensate b before a? swap the two done steps' order.
        java.util.Collections.swap(records, 1, 3);
        java.util.Collections.swap(records, 2, 4);
        rewrite(dir, records);
        h = start(dir);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        assertEquals(List.of(1L, 2L, 3L, 4L), reported().get("records"));
    }

    @Test
    void aReplayedRecordIsRefused() throws Exception {
        crashWithTwoDebits(dir);
        List<byte[]> records = new ArrayList<>(stored(dir));
        records.add(records.get(3)); // s1.2 started, again: its MAC binds its original position
        rewrite(dir, records);
        h = start(dir);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        assertEquals(List.of((long) records.size() - 1), reported().get("records"));
    }

    @Test
    void aRecordDeletedFromTheMiddleIsDetected() throws Exception {
        crashWithTwoDebits(dir);
        List<byte[]> records = new ArrayList<>(stored(dir));
        records.remove(3); // s1.2 started: would hide a done step from recovery
        rewrite(dir, records);
        h = start(dir);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        assertEquals(List.of(3L), reported().get("records"), "the record after the gap fails");
    }

    @Test
    void recordsFromAnotherDataDirectoryAreRefused() throws Exception {
        Path other = dir.resolve("other");
        crashWithTwoDebits(other);
        Bank.reset();
        Path mine = dir.resolve("mine");
        crashWithTwoDebits(mine);
        // A whole journal of another data directory (another key), moved in.
        rewrite(mine, stored(other));
        h = start(mine);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), reported().get("records"));
        h.close();
        h = null;
        // One record of it, appended to an otherwise clean journal.
        Bank.reset();
        Path third = dir.resolve("third");
        crashWithTwoDebits(third);
        List<byte[]> records = new ArrayList<>(stored(third));
        records.add(stored(other).get(3));
        rewrite(third, records);
        h = start(third);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        assertEquals(List.of(5L), reported().get("records"));
    }

    @Test
    void aFormat1JournalIsReportedNotRecoveredUntilAnOperatorSealsIt() throws Exception {
        crashWithTwoDebits(dir);
        // What a previous version wrote: the bare JSON records.
        List<byte[]> legacy = stored(dir).stream().map(JournalSeal::json).toList();
        rewrite(dir, legacy);
        h = start(dir);
        h.sagas.recoverOnStart();
        assertNothingCompensated();
        Map<String, Object> audit = reported();
        assertEquals(Boolean.FALSE, audit.get("tampered"));
        assertEquals(List.of("format_1"), audit.get("reasons"));
        assertEquals(List.of("s1"), audit.get("held"));
        h.close();
        h = null;

        // The operator inspected it and accepts it: re-sealed with this data directory's key, old journal kept.
        JournalReseal.Result sealed = JournalReseal.reseal(dir, SagaJournal.defaultKeysDir(dir));
        assertEquals(5, sealed.records());
        assertEquals(5, sealed.accepted());
        assertTrue(Files.isDirectory(sealed.replaced()));
        h = start(dir);
        assertTrue(h.audit.ofType("saga.journal.unauthenticated").isEmpty());
        h.sagas.recoverOnStart();
        assertEquals(List.of("debit a 1", "debit b 2", "--- crash", "credit b 2 @s1.2", "credit a 1 @s1.1"), Bank.LOG);
    }

    @Test
    void aFormat1RecordAppendedLaterQuarantinesOnlyTheSagaItNames() throws Exception {
        crashWithTwoDebits(dir);
        List<byte[]> records = new ArrayList<>(stored(dir));
        records.add(JournalRecords.begin("s7", 1L, "forged", "x#y()", "host"));
        records.addAll(forgedStep("s7", "s7.1"));
        rewrite(dir, records);
        h = start(dir);
        h.sagas.recoverOnStart();
        // s1 is whole (its chain verifies up to the end of the authentic records): it is recovered; s7 is not.
        assertEquals(List.of("debit a 1", "debit b 2", "--- crash", "credit b 2 @s1.2", "credit a 1 @s1.1"), Bank.LOG);
        assertEquals(List.of("s7"), h.sagas.held());
        assertEquals(List.of("s7"), reported().get("quarantined"));
    }
}
