package org.agenthypervisor.core.saga;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: authentic, well-framed records that do not fit the journal (an unknown type, a second
 * begin or end, a record of a saga never begun) were skipped without a word. They are corruption.
 */
class JournalStructureTest {
    @TempDir
    Path dir;

    /** Writes sealed records, as the engine does. */
    private void write(byte[]... records) throws IOException {
        try (SagaJournal journal = SagaJournal.open(dir, Policy.Durability.FSYNC)) {
            for (byte[] r : records) {
                journal.write(r);
            }
        }
    }

    private SagaHistory replay(boolean keepFinished) throws IOException {
        try (RecordLog log = SagaJournal.openReadOnly(dir)) {
            return SagaHistory.replay(log, keepFinished, false);
        }
    }

    private void assertCorrupt(String... expected) {
        for (boolean keepFinished : new boolean[] {false, true}) {
            IOException e = assertThrows(IOException.class, () -> replay(keepFinished));
            for (String part : expected) {
                assertTrue(e.getMessage().contains(part), e.getMessage());
            }
            assertTrue(e.getMessage().contains("never rewritten"), e.getMessage());
            assertTrue(e.getMessage().contains(SagaJournal.directory(dir).toString()), e.getMessage());
        }
    }

    private static byte[] begin(String saga) {
        return JournalRecords.begin(saga, 1, "transfer", "com.acme.Workflow#transfer()", "host");
    }

    private static byte[] end(String saga) {
        return JournalRecords.end(saga, 3, JournalRecords.COMPLETED, 0, 0);
    }

    @Test
    void anUnknownRecordTypeIsCorruption() throws IOException {
        write(begin("s1"), JournalJson.record("step.teleported", "s1", 2).put("step", "s1.1").toBytes());
        assertCorrupt("record 1 ", "unknown type \"step.teleported\"");
    }

    @Test
    void aSecondEndIsCorruption() throws IOException {
        write(begin("s1"), end("s1"), end("s1"));
        assertCorrupt("record 2 ", "second end of saga s1");
    }

    @Test
    void aSecondBeginIsCorruption() throws IOException {
        write(begin("s1"), end("s1"), begin("s1"));
        assertCorrupt("record 2 ", "second begin of saga s1");
    }

    @Test
    void aStepOfASagaNeverBegunIsCorruption() throws IOException {
        write(begin("s1"), JournalRecords.stepDone("s9", "s9.1", 2, "null".getBytes(StandardCharsets.UTF_8), true));
        assertCorrupt("record 1 ", "names saga s9, which the journal never began");
    }

    @Test
    void aLateStepAfterItsSagaEndedIsNoDamage() throws IOException {
        // A step still running on another thread when its saga completed is journaled when it returns.
        write(begin("s1"), end("s1"), JournalRecords.stepDone("s1", "s1.1", 4, "1".getBytes(StandardCharsets.UTF_8), true),
                begin("s2"));
        assertEquals(4, replay(false).records());
        assertEquals(2, replay(true).sagas().size());
    }

    @Test
    void anUnauthenticatedMisfitIsReportedNotFatal() throws IOException {
        // A forger who can write the files must not be able to stop the application with one record:
        // it fails authentication, is listed, and its saga is held (JournalAuthenticationTest).
        write(begin("s1"), end("s1"));
        try (RecordLog log = RecordLog.open(SagaJournal.directory(dir), SagaJournal.NAME, SagaJournal.logOptions())) {
            log.append(end("s1")); // bare JSON, no tag
        }
        SagaHistory history = replay(false);
        assertEquals(1, history.unauthenticated().size());
        assertEquals(2L, history.unauthenticated().get(0).index());
    }
}
