package org.agenthypervisor.it;

import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.saga.JournalRecords;
import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.core.saga.SharedSagaLog;
import org.agenthypervisor.core.store.postgres.PostgresStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared saga journal ({@code PostgresSagaLog}) against a real PostgreSQL, in one JVM: each
 * {@link PostgresStore} stands for one JVM (its own instance id and lease). Ids, fencing, take-over.
 */
class SharedSagaLogTest {
    private static final long LEASE = 1_000;
    private static PostgresServer postgres;

    @BeforeAll
    static void start() throws IOException {
        postgres = PostgresServer.start("saga-log");
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

    private static byte[] begin(String saga) {
        return JournalRecords.begin(saga, System.currentTimeMillis(), "transfer", "T.transfer()", "host");
    }

    private static byte[] stepDone(String saga, String step) {
        return JournalRecords.stepDone(saga, step, System.currentTimeMillis(), "1".getBytes(StandardCharsets.UTF_8), true);
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void numberBlocksNeverOverlapAcrossJvms() throws Exception {
        try (PostgresStore a = open("ids"); PostgresStore b = open("ids")) {
            Set<Long> starts = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                assertTrue(starts.add(a.sagaLog(LEASE).reserveNumbers(100)));
                assertTrue(starts.add(b.sagaLog(LEASE).reserveNumbers(100)));
            }
            List<Long> sorted = new ArrayList<>(starts);
            java.util.Collections.sort(sorted);
            for (int i = 1; i < sorted.size(); i++) {
                assertTrue(sorted.get(i) - sorted.get(i - 1) >= 100, "blocks of 100 overlap: " + sorted);
            }
        }
    }

    @Test
    void anExpiredJvmsSagaIsTakenOverOnceAndTheOldOwnerIsFenced() throws Exception {
        try (PostgresStore a = open("takeover"); PostgresStore b = open("takeover"); PostgresStore c = open("takeover")) {
            SharedSagaLog old = a.sagaLog(LEASE);
            // A begins sagas and journals a step of each; it never renews (no lease thread): it "dies".
            int sagas = 12;
            for (int i = 1; i <= sagas; i++) {
                old.write(begin("s" + i));
                old.write(stepDone("s" + i, "s" + i + ".1"));
            }
            List<String> takenByB = new CopyOnWriteArrayList<>();
            List<String> takenByC = new CopyOnWriteArrayList<>();
            Map<String, List<byte[]>> records = new ConcurrentHashMap<>();
            b.sagaLog(LEASE).start(() -> true, claimed -> claimed.forEach(k -> {
                takenByB.add(k.sagaId());
                records.put(k.sagaId(), k.records());
            }));
            c.sagaLog(LEASE).start(() -> true, claimed -> claimed.forEach(k -> {
                takenByC.add(k.sagaId());
                records.put(k.sagaId(), k.records());
            }));
            awaitUntil(() -> takenByB.size() + takenByC.size() >= sagas, "every saga taken over");
            Thread.sleep(3 * LEASE); // more rounds of both takers: nothing is taken twice
            Set<String> all = new HashSet<>(takenByB);
            for (String id : takenByC) {
                assertTrue(all.add(id), "saga " + id + " taken by two JVMs: " + takenByB + " " + takenByC);
            }
            assertEquals(sagas, all.size());
            assertEquals(sagas, takenByB.size() + takenByC.size());
            // The records taken over are the old owner's, in order: the saga replays as running.
            assertEquals(2, records.get("s3").size());
            SagaHistory.SagaView view = SagaHistory.replayShared(records.get("s3"), false, true).saga("s3");
            assertEquals(SagaHistory.State.RUNNING, view.state());
            assertEquals("begin", view.records().get(0).get("type"));
            // The old owner's lease is expired: it refuses to write at all (fail closed)...
            assertFalse(old.leaseValid());
            IOException refused = assertThrows(IOException.class, () -> old.write(stepDone("s1", "s1.2")));
            assertTrue(refused.getMessage().contains("lease"), refused.getMessage());
            // ...and once it has a lease again, its epoch is stale: its writes are fenced, its compensations not run.
            old.start(() -> false, claimed -> { });
            awaitUntil(old::leaseValid, "the old owner's new lease");
            IOException fenced = assertThrows(IOException.class, () -> old.write(
                    JournalRecords.compensating("s1", "s1.1", System.currentTimeMillis(), false)));
            assertTrue(fenced.getMessage().contains("taken over"), fenced.getMessage());
            assertTrue(old.fenced("s1"));
            // The new owner writes at its epoch; the saga ends in the database.
            SharedSagaLog owner = takenByB.contains("s1") ? b.sagaLog(LEASE) : c.sagaLog(LEASE);
            owner.write(JournalRecords.compensating("s1", "s1.1", System.currentTimeMillis(), false));
            owner.write(JournalRecords.end("s1", System.currentTimeMillis(), JournalRecords.OUTCOME_COMPENSATED, 1, 0));
            assertFalse(owner.fenced("s1"));
            try (Connection db = postgres.connect(); Statement st = db.createStatement();
                 ResultSet rs = st.executeQuery("SELECT state, epoch, taken_from = '" + a.instance() + "#1',"
                         + " (SELECT count(*) FROM takeover.saga_record WHERE saga = 's1') FROM takeover.saga WHERE id = 's1'")) {
                assertTrue(rs.next());
                assertEquals("ended", rs.getString(1));
                assertEquals(2, rs.getLong(2), "the take-over bumped the epoch once");
                assertTrue(rs.getBoolean(3));
                assertEquals(4, rs.getLong(4), "begin, done, compensating, end: the fenced write left nothing");
            }
        }
    }

    @Test
    void aLeaseLostIsNeverTakenBackItsSagasAreTakenOverEvenByTheSameJvm() throws Exception {
        try (PostgresStore a = open("lost")) {
            SharedSagaLog log = a.sagaLog(LEASE);
            log.write(begin("s1"));
            Thread.sleep(LEASE + 200); // not renewed: the lease expired (a long pause, a database out of reach)
            IOException refused = assertThrows(IOException.class, () -> log.write(stepDone("s1", "s1.1")));
            assertTrue(refused.getMessage().contains("lease"), refused.getMessage());
            assertTrue(log.fenced("s1"), "no compensation of s1 may run here now");
            List<SharedSagaLog.Claimed> taken = new CopyOnWriteArrayList<>();
            log.start(() -> true, taken::addAll);
            awaitUntil(() -> !taken.isEmpty(), "the saga of the lost lease taken over");
            assertEquals("s1", taken.get(0).sagaId());
            assertEquals(a.instance() + "#1", taken.get(0).previousOwner(), "taken from the lost lease");
            assertEquals(2, taken.get(0).epoch());
            assertTrue(log.leaseValid());
            // Now owned at epoch 2 under the new lease: its writes go through again.
            log.write(JournalRecords.end("s1", System.currentTimeMillis(), JournalRecords.OUTCOME_COMPENSATED, 0, 0));
        }
    }

    @Test
    void aJvmThatRenewsKeepsItsSagas() throws Exception {
        try (PostgresStore a = open("renewed"); PostgresStore b = open("renewed")) {
            SharedSagaLog live = a.sagaLog(LEASE);
            live.start(() -> true, claimed -> { });
            live.write(begin("s1"));
            List<String> taken = new CopyOnWriteArrayList<>();
            b.sagaLog(LEASE).start(() -> true, claimed -> claimed.forEach(k -> taken.add(k.sagaId())));
            Thread.sleep(4 * LEASE);
            assertEquals(List.of(), taken, "a saga whose owner renews its lease is never taken");
            live.write(stepDone("s1", "s1.1"));
            assertTrue(live.leaseValid());
        }
    }
}
