package org.agenthypervisor.it;

import org.agenthypervisor.core.audit.AuditUnavailableException;
import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.postgres.PostgresStore;
import org.agenthypervisor.core.store.postgres.SharedAuditLog;
import org.agenthypervisor.core.store.postgres.SharedAuditRows;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared audit log when the database applies a commit but its answer never arrives (a connection
 * cut, a server shut down just after committing), or never gets the commit: the writer cannot tell the
 * two apart from the error, so it reads the rows back before it writes the batch again or answers
 * its callers. A proxy ({@link CommitCuttingProxy}) breaks exactly one commit each way.
 */
class SharedAuditUnansweredCommitTest {
    private static PostgresServer postgres;
    private static CommitCuttingProxy proxy;

    @TempDir
    Path keys;

    @BeforeAll
    static void start() throws IOException {
        postgres = PostgresServer.start("audit-unanswered");
        proxy = new CommitCuttingProxy(postgres.port());
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static PostgresStore open(String schema) throws IOException {
        return PostgresStore.open(new Policy.PostgresStoreSpec(proxy.url(), "postgres", null, schema, 2,
                Policy.OnUnavailable.FAIL, new Policy.Location("test", 1, 1), 30_000), Map.of());
    }

    private static Policy.AuditSettings settings(Policy.Durability durability) {
        return new Policy.AuditSettings(durability, 5, 1_000, 60_000);
    }

    private static long count(String schema, String type) throws Exception {
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + ".audit_record WHERE"
                     + " convert_from(payload, 'UTF8')::json->>'type' = '" + type + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The records that {@code audit.records-lost} records state as lost, together. */
    private static long statedLost(String schema) throws Exception {
        try (Connection c = postgres.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(sum((convert_from(payload, 'UTF8')::json->>'lost')::bigint), 0)"
                     + " FROM " + schema + ".audit_record WHERE convert_from(payload, 'UTF8')::json->>'type'"
                     + " = 'audit.records-lost'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitCut(int cuts) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (proxy.cuts() < cuts) {
            assertTrue(System.nanoTime() < deadline, "the proxy cut a commit");
            Thread.sleep(10);
        }
    }

    private static void assertVerifies(PostgresStore store) throws IOException {
        try (SharedAuditRows rows = store.auditRows()) {
            AuditVerifier.Report report = AuditVerifier.verify(rows);
            assertTrue(report.ok(), () -> "the shared log verifies: " + report.failure());
        }
    }

    @Test
    void aBatchWhoseCommitWasAppliedButNotAnsweredIsNotWrittenTwice() throws Exception {
        PostgresStore store = open("unanswered_batch");
        SharedAuditLog log = store.audit(keys, settings(Policy.Durability.BATCH));
        try {
            log.flush();
            int before = proxy.cuts();
            proxy.arm(CommitCuttingProxy.Cut.ANSWER_LOST);
            log.record("test.unanswered", Map.of("n", 1));
            awaitCut(before + 1);
            log.flush(); // returns once the writer settled the batch (meanwhile audited calls are refused)
            assertEquals(1, count("unanswered_batch", "test.unanswered"), "written once, not again after the cut");
            log.record("test.after", Map.of("n", 2));
            log.flush();
            assertEquals(1, count("unanswered_batch", "test.after"));
            assertEquals(0, log.lostRecordsTotal());
        } finally {
            log.close();
        }
        assertVerifies(store);
    }

    @Test
    void aWaitingCallerWhoseCommitWasAppliedButNotAnsweredIsAnsweredAndNotRefused() throws Exception {
        PostgresStore store = open("unanswered_fsync");
        SharedAuditLog log = store.audit(keys, settings(Policy.Durability.FSYNC));
        try {
            log.flush();
            int before = proxy.cuts();
            proxy.arm(CommitCuttingProxy.Cut.ANSWER_LOST);
            log.record("test.waited", Map.of("n", 1)); // returns: the record is in the log
            assertEquals(before + 1, proxy.cuts(), "this very commit was cut");
            assertEquals(1, count("unanswered_fsync", "test.waited"));
            assertEquals(0, log.lostRecordsTotal());
            log.record("test.after", Map.of("n", 2));
            assertEquals(0, count("unanswered_fsync", "audit.records-lost"));
        } finally {
            log.close();
        }
        assertVerifies(store);
    }

    @Test
    void aCommitThatNeverReachedTheServerIsWrittenAgainOrRefused() throws Exception {
        PostgresStore store = open("commit_lost");
        SharedAuditLog batch = store.audit(keys, settings(Policy.Durability.BATCH));
        try {
            batch.flush();
            int before = proxy.cuts();
            proxy.arm(CommitCuttingProxy.Cut.COMMIT_LOST);
            batch.record("test.retried", Map.of("n", 1));
            awaitCut(before + 1);
            batch.flush();
            assertEquals(1, count("commit_lost", "test.retried"), "rolled back by the server, written again once");
        } finally {
            batch.close();
        }
        SharedAuditLog strict = store.audit(keys, settings(Policy.Durability.FSYNC));
        try {
            strict.flush();
            proxy.arm(CommitCuttingProxy.Cut.COMMIT_LOST);
            AuditUnavailableException refused = assertThrows(AuditUnavailableException.class,
                    () -> strict.record("test.refused", Map.of("n", 1)));
            assertTrue(refused.getMessage().startsWith("'test.refused' cannot be audited"), refused.getMessage());
            assertEquals(1, strict.lostRecordsTotal());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) { // refused until the writer committed again (stating the loss)
                try {
                    strict.record("test.later", Map.of("n", 2));
                    break;
                } catch (AuditUnavailableException notYet) {
                    assertTrue(System.nanoTime() < deadline, "accepted again: " + notYet.getMessage());
                    Thread.sleep(50);
                }
            }
            assertEquals(0, count("commit_lost", "test.refused"));
        } finally {
            strict.close();
        }
        // The refused record, and any 'test.later' refused before the writer wrote again, are stated as lost.
        assertTrue(strict.lostRecordsTotal() >= 1);
        assertEquals(strict.lostRecordsTotal(), statedLost("commit_lost"), "every lost record is stated in the log");
        assertVerifies(store);
    }
}
