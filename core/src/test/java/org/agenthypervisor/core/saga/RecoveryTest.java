package org.agenthypervisor.core.saga;

import com.acme.sagaunit.Bank;
import com.acme.sagaunit.Vault;
import com.acme.sagaunit.Workflow;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaHistory.State;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A JVM that "crashed" inside a saga (its journal closed mid-saga), and the next one recovering it. */
class RecoveryTest {
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

    private Harness start(String durability) {
        Harness started = new Harness(dir, Harness.policy(durability)).register(Bank.class, Workflow.class, Vault.class);
        Bank.stepProbe = () -> started.sagas.currentStep(started.current());
        return started;
    }

    /** Begins a saga, runs {@code steps}, and "crashes": the boundary never returns. */
    private void crashInsideASaga(String durability, StepRunner steps) throws Exception {
        Harness first = start(durability);
        first.enter(Workflow.class, new Workflow(), "transfer", new Object[0]);
        steps.run(first);
        first.resetContext();
        first.close();
        Bank.LOG.add("--- crash");
    }

    interface StepRunner {
        void run(Harness h) throws Exception;
    }

    void debit(Harness on, String account, long amount) throws Exception {
        on.call(Bank.class, bank, "debit", new Object[] {account, amount}, () -> bank.debit(account, amount));
    }

    SagaHistory history() throws IOException {
        try (RecordLog log = SagaJournal.openReadOnly(dir)) {
            return SagaHistory.replay(log, true, true);
        }
    }

    @Test
    void doneStepsAreCompensatedInReverseAfterARestartAndTheSagaEnds() throws Exception {
        crashInsideASaga("fsync", on -> {
            debit(on, "a", 1);
            debit(on, "b", 2);
        });
        assertEquals(State.RUNNING, history().saga("s1").state());
        h = start("fsync");
        h.sagas.recoverOnStart();
        assertEquals(List.of("debit a 1", "debit b 2", "--- crash", "credit b 2 @s1.2", "credit a 1 @s1.1"), Bank.LOG);
        SagaView saga = history().saga("s1");
        assertEquals(State.COMPENSATED, saga.state());
        assertEquals(List.of("recovery", "compensating", "compensated", "compensating", "compensated", "end"),
                saga.records().subList(5, 11).stream().map(r -> r.get("type")).toList());
        assertEquals(1, h.audit.ofType("saga.recovery").size());
        assertEquals(Boolean.TRUE, h.audit.ofType("saga.end").get(0).get("recovered"));
        assertTrue(h.sagas.unfinished().isEmpty());
    }

    @Test
    void everyDurabilityModeKeepsWhatAProcessCrashNeeds() throws Exception {
        for (String mode : new String[] {"batch", "none"}) {
            Bank.reset();
            Path sub = dir.resolve(mode);
            Harness first = new Harness(sub, Harness.policy(mode)).register(Bank.class, Workflow.class);
            first.enter(Workflow.class, new Workflow(), "transfer", new Object[0]);
            debit(first, "a", 1);
            first.resetContext();
            first.close();
            Harness second = new Harness(sub, Harness.policy(mode)).register(Bank.class, Workflow.class);
            Bank.stepProbe = () -> second.sagas.currentStep(second.current());
            second.sagas.recoverOnStart();
            second.close();
            assertEquals(List.of("debit a 1", "credit a 1 @s1.1"), Bank.LOG, mode);
        }
    }

    @Test
    void anInDoubtStepIsCompensatedOnlyWhereItsCompensationSaysSo() throws Exception {
        crashInsideASaga("fsync", on -> {
            debit(on, "a", 1);
            on.call(Bank.class, bank, "hold", new Object[] {"12A"}, () -> {
                bank.hold("12A");
                return null;
            });
            // Both in flight when the JVM died: started, never done.
            on.enter(Bank.class, bank, "reserve", new Object[] {"x"});
            on.resetContext();
            on.enter(Workflow.class, new Workflow(), "transfer", new Object[0]);
        });
        // The second enter above opened s2 (the context was reset); s1 has the three steps.
        h = start("fsync");
        h.sagas.recoverOnStart();
        SagaView s1 = history().saga("s1");
        assertEquals(State.ESCALATED, s1.state());
        assertEquals(SagaHistory.CompensationStatus.ESCALATED, s1.step("s1.3").compensation(), "reserve is in doubt");
        assertTrue(s1.step("s1.3").lastError().contains("in doubt"), s1.step("s1.3").lastError());
        assertEquals(SagaHistory.CompensationStatus.COMPENSATED, s1.step("s1.2").compensation());
        assertEquals(List.of("debit a 1", "hold 12A", "--- crash", "release 12A", "credit a 1 @s1.1"), Bank.LOG);
        assertEquals(State.COMPENSATED, history().saga("s2").state(), "an empty saga just ends");
        assertTrue(h.liability.failures.isEmpty(), "nobody is slashed for a step in doubt");
    }

    @Test
    void anInDoubtStepWhoseCompensationIsSafeIsCompensated() throws Exception {
        crashInsideASaga("fsync", on -> on.enter(Bank.class, bank, "hold", new Object[] {"1C"}));
        h = start("fsync");
        h.sagas.recoverOnStart();
        assertEquals(List.of("--- crash", "release 1C"), Bank.LOG, "the body never ran, the compensation tolerates it");
        assertEquals(State.COMPENSATED, history().saga("s1").state());
    }

    @Test
    void aSagaWhoseInstanceNeedsAFactoryWaitsForIt() throws Exception {
        Vault vault = new Vault("v1");
        crashInsideASaga("fsync", on -> {
            debit(on, "a", 1);
            on.call(Vault.class, vault, "lock", new Object[] {"b7"}, () -> {
                vault.lock("b7");
                return null;
            });
        });
        h = start("fsync");
        h.sagas.recoverOnStart();
        assertEquals(List.of("s1"), h.sagas.unfinished());
        assertEquals(List.of("debit a 1", "v1 lock b7", "--- crash"), Bank.LOG, "nothing compensated out of order");
        assertEquals(1, h.audit.ofType("saga.recovery.deferred").size());
        assertTrue(String.valueOf(h.audit.ofType("saga.recovery.deferred").get(0).get("reason"))
                .contains("Hypervisor.registerFactory(Vault.class, ...)"));
        h.sagas.registerFactory(Vault.class, () -> new Vault("v2"));
        assertEquals(List.of("debit a 1", "v1 lock b7", "--- crash", "v2 unlock b7", "credit a 1 @s1.1"), Bank.LOG);
        assertEquals(State.COMPENSATED, history().saga("s1").state());
    }

    @Test
    void aFactoryMustReturnExactlyTheClass() throws Exception {
        Vault vault = new Vault("v1");
        crashInsideASaga("fsync", on -> on.call(Vault.class, vault, "lock", new Object[] {"b7"}, () -> {
            vault.lock("b7");
            return null;
        }));
        h = start("fsync");
        h.sagas.recoverOnStart();
        h.sagas.registerFactory(Vault.class, () -> new Vault("sub") {
        });
        SagaView saga = history().saga("s1");
        assertEquals(State.ESCALATED, saga.state());
        assertTrue(saga.step("s1.1").lastError().contains("must return an instance of exactly com.acme.sagaunit.Vault"),
                saga.step("s1.1").lastError());
    }

    @Test
    void aStepWithUnencodableArgumentsIsCompensatedInProcessButEscalatedAfterACrash() throws Exception {
        Vault vault = new Vault("v1");
        Runnable callback = () -> { };
        Harness first = start("fsync");
        assertThrows(IllegalStateException.class, () -> first.call(Workflow.class, new Workflow(), "transfer", new Object[0], () -> {
            first.call(Vault.class, vault, "watch", new Object[] {callback}, () -> {
                vault.watch(callback);
                return null;
            });
            throw new IllegalStateException("boom");
        }));
        assertEquals(List.of("v1 watch", "v1 unwatch"), Bank.LOG);
        first.close();
        Bank.reset();
        crashInsideASaga("fsync", on -> on.call(Vault.class, vault, "watch", new Object[] {callback}, () -> {
            vault.watch(callback);
            return null;
        }));
        h = start("fsync");
        h.sagas.registerFactory(Vault.class, () -> new Vault("v2"));
        h.sagas.recoverOnStart();
        SagaView saga = history().saga("s2");
        assertEquals(State.ESCALATED, saga.state());
        assertTrue(saga.step("s2.1").lastError().contains("not recoverable"), saga.step("s2.1").lastError());
        assertEquals(List.of("v1 watch", "--- crash"), Bank.LOG);
    }

    @Test
    void aTornLastRecordIsReportedAndCutAndEverythingBeforeItRecovered() throws Exception {
        crashInsideASaga("fsync", on -> {
            debit(on, "a", 1);
            debit(on, "b", 2);
        });
        Path segment;
        try (Stream<Path> files = Files.list(SagaJournal.directory(dir))) {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        long before = Files.size(segment);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.seek(before);
            raf.write(new byte[] {0, 0, 0, 90, 1, 2, 3}); // a frame header cut short by the crash
        }
        h = start("fsync");
        assertEquals(1, h.audit.ofType("saga.journal.tail-cut").size());
        assertEquals(7L, h.audit.ofType("saga.journal.tail-cut").get(0).get("bytesCut"));
        h.sagas.recoverOnStart();
        assertEquals(List.of("debit a 1", "debit b 2", "--- crash", "credit b 2 @s1.2", "credit a 1 @s1.1"), Bank.LOG);
    }

    @Test
    void aCorruptJournalStopsTheEngineAndIsNotModified() throws Exception {
        crashInsideASaga("fsync", on -> {
            debit(on, "a", 1);
            debit(on, "b", 2);
        });
        Path segment;
        try (Stream<Path> files = Files.list(SagaJournal.directory(dir))) {
            segment = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        bytes[60] ^= 0x20; // inside the first record, with good records after it
        Files.write(segment, bytes);
        IllegalStateException stopped = assertThrows(IllegalStateException.class, () -> start("fsync"));
        assertTrue(stopped.getMessage().contains("is corrupt"), stopped.getMessage());
        assertTrue(stopped.getMessage().contains("never rewrites"), stopped.getMessage());
        assertEquals(bytes.length, Files.size(segment));
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(segment)));
    }

    /** Recovers a crashed saga to its end, so that the journal's last record is that saga's {@code end}. */
    private Path endedSagaJournal() throws Exception {
        crashInsideASaga("fsync", on -> {
            debit(on, "a", 1);
            debit(on, "b", 2);
        });
        h = start("fsync");
        h.sagas.recoverOnStart();
        h.close();
        h = null;
        assertEquals(State.COMPENSATED, history().saga("s1").state());
        try (Stream<Path> files = Files.list(SagaJournal.directory(dir))) {
            return files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
    }

    /** Issue 12: a flipped byte in the last record (an end) was cut as a tear, and the saga compensated again. */
    @Test
    void aDamagedLastRecordIsCorruptionNotATornTail() throws Exception {
        Path segment = endedSagaJournal();
        List<String> compensatedOnce = List.copyOf(Bank.LOG);
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length - 1] ^= 0x01; // the closing brace of the end record
        Files.write(segment, bytes);
        IllegalStateException stopped = assertThrows(IllegalStateException.class, () -> start("fsync"));
        assertTrue(stopped.getMessage().contains("CRC mismatch in a complete frame"), stopped.getMessage());
        assertTrue(stopped.getMessage().contains(segment.toString()), stopped.getMessage());
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(segment)), "never rewritten");
        assertEquals(compensatedOnce, Bank.LOG, "nothing compensated a second time");
    }

    /** Offset of the last frame in a segment, walking the frames by their length fields. */
    static long lastFrameOffset(byte[] segment) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(segment);
        int pos = 24;
        int last = -1;
        while (pos + 12 <= segment.length) {
            last = pos;
            pos += 12 + b.getInt(pos);
        }
        return last;
    }

    /** Issue 12: a journal cut at a record boundary (its last end gone) opened and compensated the saga again. */
    @Test
    void aJournalCutBeforeItsLastRecordStopsTheEngine() throws Exception {
        Path segment = endedSagaJournal();
        List<String> compensatedOnce = List.copyOf(Bank.LOG);
        byte[] bytes = Files.readAllBytes(segment);
        long cut = lastFrameOffset(bytes);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(cut);
        }
        IllegalStateException stopped = assertThrows(IllegalStateException.class, () -> start("fsync"));
        assertTrue(stopped.getMessage().contains("high-water mark"), stopped.getMessage());
        assertTrue(stopped.getMessage().contains("are missing"), stopped.getMessage());
        assertEquals(cut, Files.size(segment), "never rewritten");
        assertEquals(compensatedOnce, Bank.LOG, "nothing compensated a second time");
    }

    /** Issue 12: an authentic second end (or any record that does not fit) was skipped silently. */
    @Test
    void aSecondEndOfASagaStopsTheEngine() throws Exception {
        endedSagaJournal();
        try (SagaJournal journal = SagaJournal.open(dir, org.agenthypervisor.core.policy.Policy.Durability.FSYNC)) {
            journal.write(JournalRecords.end("s1", 1, JournalRecords.COMPLETED, 0, 0)); // sealed: authentic
        }
        IllegalStateException stopped = assertThrows(IllegalStateException.class, () -> start("fsync"));
        assertTrue(stopped.getMessage().contains("second end of saga s1"), stopped.getMessage());
        assertTrue(stopped.getMessage().contains("fail closed"), stopped.getMessage());
    }

    /**
     * Issue 12: a journal cut at a record boundary whose high-water mark is gone too (so the cut cannot
     * be seen in the journal) opened and compensated the saga again, though the audit log recorded its
     * end. Such a saga is held: never recovered, reported; the engine starts (a full disk that failed the
     * journal mid-saga leaves the same picture, and must not keep the application down).
     */
    @Test
    void anUnfinishedSagaWhoseEndTheAuditLogRecordedIsHeldNotRecovered() throws Exception {
        Path segment = endedSagaJournal();
        try (org.agenthypervisor.core.audit.AuditLog audit = org.agenthypervisor.core.audit.AuditLog.open(dir,
                new org.agenthypervisor.core.policy.Policy.AuditSettings(org.agenthypervisor.core.policy.Policy.Durability.FSYNC,
                        10, 100, 3_600_000))) {
            audit.record("saga.begin", java.util.Map.of("saga", "s1", "name", "transfer"));
            audit.record("saga.end", java.util.Map.of("saga", "s1", "name", "transfer", "outcome", "compensated"));
        }
        List<String> compensatedOnce = List.copyOf(Bank.LOG);
        byte[] bytes = Files.readAllBytes(segment);
        try (RandomAccessFile raf = new RandomAccessFile(segment.toFile(), "rw")) {
            raf.setLength(lastFrameOffset(bytes)); // the end record
        }
        Files.delete(SagaJournal.directory(dir).resolve("journal.hwm"));
        h = start("fsync");
        assertEquals(List.of("s1"), h.sagas.held(), "held for an operator");
        assertEquals(List.of(), h.sagas.unfinished(), "not pending recovery");
        h.sagas.recoverOnStart();
        assertEquals(compensatedOnce, Bank.LOG, "nothing compensated a second time");
        List<SagaEngine.Recovered> asked = h.sagas.recover(null, List.of("s1"), "test");
        assertEquals(1, asked.size());
        assertEquals("held", asked.get(0).outcome());
        assertTrue(asked.get(0).detail().contains("lost its end"), asked.get(0).detail());
        assertEquals(1, h.audit.ofType("saga.held").size(), String.valueOf(h.audit.records));
        assertEquals(compensatedOnce, Bank.LOG, "nothing compensated a second time");
    }
}
