package org.agenthypervisor.it;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.saga.JournalRecords;
import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.core.saga.SagaJournal;
import org.agenthypervisor.core.saga.SharedSagaLog;
import org.agenthypervisor.core.store.RecordLog;
import org.agenthypervisor.core.store.postgres.PostgresStore;
import org.agenthypervisor.core.store.postgres.SharedImport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code store import} carries the file saga journal into the shared one ({@link SharedImport}, against a
 * real PostgreSQL, in one JVM): ids, records and states as written, owned by a lease nobody holds (so a live
 * JVM takes the unfinished sagas over), the id sequence moved past them; a journal that does not
 * authenticate, or a store that already holds sagas, is refused with nothing written.
 */
class SharedImportSagaTest {
    private static final long LEASE = 1_000;
    private static PostgresServer postgres;

    @BeforeAll
    static void start() throws IOException {
        postgres = PostgresServer.start("saga-import");
    }

    @AfterAll
    static void stop() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static PostgresStore open(String schema) throws IOException {
        return PostgresStore.open(new Policy.PostgresStoreSpec(postgres.url(), "postgres", null, schema, 2,
                Policy.OnUnavailable.FAIL, new Policy.Location("test", 1, 1), LEASE), Map.of());
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    /** A data directory whose journal holds s1 (completed), s2 (compensating) and s250 (running). */
    private static Path dataDirWithSagas() throws IOException {
        return dataDirWithSagas(new ArrayList<>());
    }

    /** {@code written}: the records, as written (unsealed), in journal order. */
    private static Path dataDirWithSagas(List<byte[]> written) throws IOException {
        Path dataDir = Files.createTempDirectory("saga-import-");
        byte[] one = "1".getBytes(StandardCharsets.UTF_8);
        written.add(JournalRecords.begin("s1", now(), "transfer", "T.transfer()", "host"));
        written.add(step("s1", "s1.1"));
        written.add(JournalRecords.stepDone("s1", "s1.1", now(), one, true));
        written.add(JournalRecords.begin("s2", now(), "transfer", "T.transfer()", "host"));
        written.add(JournalRecords.end("s1", now(), JournalRecords.COMPLETED, 0, 0));
        written.add(step("s2", "s2.1"));
        written.add(JournalRecords.stepDone("s2", "s2.1", now(), one, true));
        written.add(JournalRecords.rollback("s2", now(), "java.lang.IllegalStateException: no", 1));
        written.add(JournalRecords.begin("s250", now(), "refund", "T.refund()", "host"));
        written.add(step("s250", "s250.1"));
        try (SagaJournal journal = SagaJournal.open(dataDir, Policy.Durability.FSYNC)) {
            for (byte[] r : written) {
                journal.write(r);
            }
        }
        return dataDir;
    }

    private static byte[] step(String saga, String step) {
        return JournalRecords.stepStarted(new JournalRecords.StepStart(saga, step, now(), "leg", "com.acme.Legs", null,
                "undo", "(I)Ljava/lang/String;", false, false, "[1]".getBytes(StandardCharsets.UTF_8), true, null,
                "host", 3));
    }

    private static long count(String sql) throws Exception {
        try (Connection c = postgres.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void everySagaIsImportedUnderItsIdAndNewSagasNeverReuseAnImportedId() throws Exception {
        List<byte[]> file = new ArrayList<>();
        Path dataDir = dataDirWithSagas(file);
        try (PostgresStore store = open("imported")) {
            SharedImport.Result result = SharedImport.importDataDir(store, dataDir, dataDir.resolve("keys"));
            assertEquals(3, result.sagas());
            assertEquals(2, result.unfinishedSagas());
        }
        String owner = "import:" + dataDir.toAbsolutePath().normalize();
        List<String> rows = new ArrayList<>();
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, owner, epoch, state, ended_at IS NOT NULL FROM imported.saga ORDER BY id")) {
            while (rs.next()) {
                assertEquals(owner, rs.getString(2));
                assertEquals(1, rs.getLong(3));
                rows.add(rs.getString(1) + " " + rs.getString(4) + " " + rs.getBoolean(5));
            }
        }
        assertEquals(List.of("s1 ended true", "s2 compensating false", "s250 running false"), rows);
        assertEquals(0, count("SELECT count(*) FROM imported.saga_instance WHERE instance LIKE 'import:%'"),
                "the importer holds no lease: its sagas are free to take over");

        try (PostgresStore reader = open("imported")) {
            // The records are the file journal's, unsealed, each saga's in journal order.
            List<byte[]> shared = new ArrayList<>();
            reader.readSagas(shared);
            assertEquals(file.size(), shared.size());
            List<String> fileOrder = new ArrayList<>();
            for (byte[] r : file) {
                fileOrder.add(new String(r, StandardCharsets.UTF_8));
            }
            int lastIndex = -1;
            String lastSaga = null;
            for (byte[] r : shared) {
                String json = new String(r, StandardCharsets.UTF_8);
                int at = fileOrder.indexOf(json);
                assertTrue(at >= 0, "not a record of the file journal: " + json);
                String saga = json.replaceAll(".*\"saga\":\"([^\"]*)\".*", "$1");
                assertTrue(!saga.equals(lastSaga) || at > lastIndex, "records of " + saga + " out of order");
                lastIndex = at;
                lastSaga = saga;
            }
            SagaHistory history = SagaHistory.replayShared(shared, true, false);
            assertEquals("completed", history.saga("s1").state().label());
            assertEquals("compensating", history.saga("s2").state().label());
            assertEquals("running", history.saga("s250").state().label());

            // A live JVM takes the unfinished ones over (the importer has no lease), each with its records.
            SharedSagaLog live = reader.sagaLog(LEASE);
            Set<String> taken = new TreeSet<>();
            for (SharedSagaLog.Claimed claimed : live.takeExpired(Set.of())) {
                taken.add(claimed.sagaId());
                assertEquals(claimed.sagaId().equals("s2") ? 4 : 2, claimed.records().size());
                assertEquals(owner, claimed.previousOwner());
            }
            assertEquals(Set.of("s2", "s250"), taken);
            assertTrue(live.takeExpired(Set.of()).isEmpty(), "taken once");
            // The next block of ids starts above the highest imported number (s250): no imported id again.
            long next = live.reserveNumbers(100);
            assertTrue(next > 250, "new sagas would reuse imported ids from s" + next);
        }
    }

    @Test
    void aJournalThatDoesNotAuthenticateIsRefusedAndNothingIsWritten() throws Exception {
        Path dataDir = dataDirWithSagas();
        // A forged record: well formed (its CRC is right), but not sealed with the directory's key.
        try (RecordLog log = RecordLog.open(SagaJournal.directory(dataDir), SagaJournal.NAME,
                RecordLog.Options.defaults().withHighWaterMark(true))) {
            log.append(JournalRecords.end("s250", now(), JournalRecords.COMPLETED, 0, 0));
        }
        try (PostgresStore store = open("forged")) {
            IOException refused = assertThrows(IOException.class,
                    () -> SharedImport.importDataDir(store, dataDir, dataDir.resolve("keys")));
            assertTrue(refused.getMessage().contains("does not authenticate")
                    && refused.getMessage().contains("#10 end of s250")
                    && refused.getMessage().contains("journal-00000000000000000000.seg"), refused.getMessage());
        }
        assertEquals(0, count("SELECT (SELECT count(*) FROM forged.saga) + (SELECT count(*) FROM forged.saga_record)"
                + " + (SELECT count(*) FROM forged.log_record) + (SELECT count(*) FROM forged.audit_record)"));
        // Another directory's key does not verify it either.
        Path other = dataDirWithSagas();
        try (PostgresStore store = open("forged")) {
            IOException refused = assertThrows(IOException.class,
                    () -> SharedImport.importDataDir(store, other, dataDirWithSagas().resolve("keys")));
            assertTrue(refused.getMessage().contains("#0 begin of s1"), refused.getMessage());
        }
        assertEquals(0, count("SELECT count(*) FROM forged.saga"));
    }

    @Test
    void aStoreThatAlreadyHoldsSagasIsRefused() throws Exception {
        Path dataDir = dataDirWithSagas();
        try (PostgresStore store = open("busy")) {
            store.sagaLog(LEASE).write(JournalRecords.begin("s101", now(), "transfer", "T.transfer()", "host"));
            IOException refused = assertThrows(IOException.class,
                    () -> SharedImport.importDataDir(store, dataDir, dataDir.resolve("keys")));
            assertTrue(refused.getMessage().contains("already holds 1 saga(s)"), refused.getMessage());
        }
        assertEquals(1, count("SELECT count(*) FROM busy.saga"));
        assertEquals(1, count("SELECT count(*) FROM busy.saga_record"));
    }
}
