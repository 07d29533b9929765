package org.agenthypervisor.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13 items 4, 5 and 7: one audit log for every JVM of an application on the shared store. Three
 * JVMs with the real agent jar write records into one global order and one Merkle tree; each signs with
 * its own key, registered in the store's key directory; {@code audit verify --store} accepts the log and
 * fails, naming the record, when a row is edited, deleted or reordered; the signer role moves to another
 * JVM when its holder is killed; a database stopped and started while the JVMs run loses no
 * acknowledged record; {@code store import} loads a file data directory that then verifies with the
 * same roots. Reuses {@link SharedStoreIT.Replica} and {@link PostgresServer}.
 */
class SharedAuditIT {
    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = PostgresServer.start("shared-audit");
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** Small heads intervals so that the few hundred records of a test are covered by several heads. */
    private static String policy(String schema, String audit) {
        return SharedStoreIT.policy(postgres.url(), schema, "") + "audit:\n  treeHeadEvery: 50\n" + audit;
    }

    private static Path cliDir(String name, String policy) throws IOException {
        Path dir = ChildJvm.freshWorkDir("shared-audit-cli-" + name);
        ChildJvm.write(dir, "policy.yaml", policy);
        return dir;
    }

    private static ChildJvm.Result verify(Path cli) {
        return Cli.run(cli, "audit", "verify", "--store", "policy.yaml");
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = postgres.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static long count(String query) throws Exception {
        try (Connection c = postgres.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void threeJvmsWriteOneLogThatVerifiesAndAnEditedDeletedOrReorderedRowFailsIt() throws Exception {
        String policy = policy("audit_three", "");
        try (SharedStoreIT.Replica one = new SharedStoreIT.Replica("audit-1", policy);
             SharedStoreIT.Replica two = new SharedStoreIT.Replica("audit-2", policy);
             SharedStoreIT.Replica three = new SharedStoreIT.Replica("audit-3", policy)) {
            List<SharedStoreIT.Replica> all = List.of(one, two, three);
            for (SharedStoreIT.Replica r : all) {
                assertEquals("READY 1", r.awaitReady());
            }
            for (SharedStoreIT.Replica r : all) {
                r.send("session 60"); // at once: the three JVMs' records interleave in the global order
            }
            for (SharedStoreIT.Replica r : all) {
                assertEquals("DONE session 60", r.await("DONE session", 60));
            }
            one.send("violate");
            assertEquals("DONE violate: RingViolationException", one.await("DONE violate"));
            for (SharedStoreIT.Replica r : all) {
                r.send("quit");
                r.await("BYE");
                assertTrue(r.process.waitFor(30, TimeUnit.SECONDS), r.name + " stops");
            }
        }
        Path cli = cliDir("three", policy);
        ChildJvm.Result ok = verify(cli);
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.stdout().contains(": OK"), ok::toString);
        assertTrue(ok.stdout().contains("registered in the shared store"), ok::toString);
        assertTrue(ok.stdout().contains("(rows without a gap, seq fields and leaf hashes checked, tree recomputed)"),
                ok::toString);
        assertTrue(ok.stdout().contains("not yet covered:   0 record(s)"), "clean shutdowns sign the last records: " + ok);
        long records = count("SELECT count(*) FROM audit_three.audit_record");
        assertTrue(records >= 3 * 62, "every JVM's session records are in the one log: " + records);
        assertEquals(3, count("SELECT count(DISTINCT instance) FROM audit_three.audit_record"), "written by three JVMs");
        assertEquals(3, count("SELECT count(DISTINCT key_id) FROM audit_three.key_directory"), "each JVM its own key");
        assertEquals(records - 1, count("SELECT max(idx) FROM audit_three.audit_record"), "indexes without a gap");
        assertTrue(count("SELECT count(*) FROM audit_three.audit_head") >= 3 * 60 / 50, "heads every 50 records");
        // Each record names the JVM that wrote it.
        assertEquals(records, count("SELECT count(*) FROM audit_three.audit_record WHERE convert_from(payload, 'UTF8')"
                + " ~ '\"jvm\":\\{\"host\":\"[^\"]+\",\"instance\":\"[^\"]+\",\"pid\":[0-9]+\\}'"));
        // Heads from sessions closed in every JVM (each signed with its own key) verify with the registered keys.
        assertTrue(count("SELECT count(DISTINCT convert_from(payload, 'UTF8')::json->>'keyId') FROM audit_three.audit_head"
                + " WHERE convert_from(payload, 'UTF8')::json->>'reason' = 'session.closed'") == 3, "three signers");

        // A proof from the database, checked against the store's key directory.
        ChildJvm.Result proof = Cli.run(cli, "audit", "proof", "--store", "policy.yaml", "--index", "7", "-o", "p.json");
        assertEquals(0, proof.exitCode(), proof::toString);
        ChildJvm.Result checked = Cli.run(cli, "audit", "verify-proof", "p.json", "--store", "policy.yaml");
        assertEquals(0, checked.exitCode(), checked::toString);
        assertTrue(checked.stdout().contains("inclusion proof OK: record 7 is in"), checked::toString);

        // The forensic report of the shared log: every JVM's records, verified, commands naming the store.
        ChildJvm.Result report = Cli.run(cli, "audit", "report", "--html", "report.html", "--store", "policy.yaml");
        assertEquals(0, report.exitCode(), report::toString);
        assertTrue(report.stdout().contains(records + " record(s) in scope of " + records + " read; the log is verified"),
                report::toString);
        String page = Files.readString(cli.resolve("report.html"));
        assertTrue(page.contains("audit verify --store policy.yaml"), "the page's commands name the store");
        assertTrue(page.contains("data-option=\"--store\""), "so does the record panel's proof command");
        assertTrue(page.contains("schema audit_three"), "the header names the store");
        assertTrue(page.contains("ring.denied"), "JVM 1's denial is in the report");

        // An edited row (a covered record's payload changed) fails, naming the range of the head above it.
        byte[] original;
        try (Connection c = postgres.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT payload FROM audit_three.audit_record WHERE idx = 10"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            original = rs.getBytes(1);
        }
        String text = new String(original, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"seq\":10,"), text);
        sql("UPDATE audit_three.audit_record SET payload = convert_to(replace(convert_from(payload, 'UTF8'), '\"time\":\"',"
                + " '\"time\":\"1'), 'UTF8') WHERE idx = 10");
        ChildJvm.Result edited = verify(cli);
        assertEquals(1, edited.exitCode(), edited::toString);
        assertTrue(edited.stdout().contains("FAILED"), edited::toString);
        assertTrue(edited.stdout().contains("does not match the records") && edited.stdout().contains("was changed"),
                edited::toString);
        ChildJvm.Result badReport = Cli.run(cli, "audit", "report", "--html", "edited.html", "--store", "policy.yaml");
        assertEquals(1, badReport.exitCode(), "the page is written, and says the log does not verify: " + badReport);
        assertTrue(badReport.stdout().contains("the log is NOT verified"), badReport::toString);
        restore(original);
        assertEquals(0, verify(cli).exitCode(), "the original row verifies again");

        // Two rows swapped: the seq in the payload is no longer the row's index.
        sql(SWAP_20_21);
        ChildJvm.Result reordered = verify(cli);
        assertEquals(1, reordered.exitCode(), reordered::toString);
        assertTrue(reordered.stdout().contains("record 20 has seq 21: records were reordered"), reordered::toString);
        sql(SWAP_20_21);
        assertEquals(0, verify(cli).exitCode(), "swapped back, it verifies again");

        // A deleted row is named.
        sql("DELETE FROM audit_three.audit_record WHERE idx = 30");
        ChildJvm.Result deleted = verify(cli);
        assertEquals(1, deleted.exitCode(), deleted::toString);
        assertTrue(deleted.stdout().contains("record 30 is missing from PostgreSQL") && deleted.stdout().contains(
                "a row was deleted"), deleted::toString);
    }

    /** Swaps the payloads of rows 20 and 21 (the subqueries see the table as before the statement). */
    private static final String SWAP_20_21 = "UPDATE audit_three.audit_record t SET payload = CASE t.idx"
            + " WHEN 20 THEN (SELECT payload FROM audit_three.audit_record WHERE idx = 21)"
            + " ELSE (SELECT payload FROM audit_three.audit_record WHERE idx = 20) END WHERE t.idx IN (20, 21)";

    private static void restore(byte[] original) throws Exception {
        try (Connection c = postgres.connect(); PreparedStatement ps = c.prepareStatement(
                "UPDATE audit_three.audit_record SET payload = ? WHERE idx = 10")) {
            ps.setBytes(1, original);
            assertEquals(1, ps.executeUpdate());
        }
    }

    /** The pid of the JVM whose store connection holds the signer role (the only advisory lock held for long). */
    private static long signerPid() throws Exception {
        try (Connection c = postgres.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'agent-hypervisor %'")) {
            if (!rs.next()) {
                return -1;
            }
            String[] parts = rs.getString(1).split(":");
            return Long.parseLong(parts[parts.length - 2]);
        }
    }

    private static long awaitSigner(Set<Long> among) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            long pid = signerPid();
            if (among.contains(pid)) {
                return pid;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no JVM of " + among + " took the signer role within 20 s");
    }

    @Test
    void whenTheSignerIsKilledAnotherJvmSignsTheNextHeads() throws Exception {
        String policy = policy("audit_failover", "  treeHeadInterval: 200ms\n");
        try (SharedStoreIT.Replica one = new SharedStoreIT.Replica("failover-1", policy);
             SharedStoreIT.Replica two = new SharedStoreIT.Replica("failover-2", policy)) {
            assertEquals("READY 1", one.awaitReady());
            assertEquals("READY 1", two.awaitReady());
            long signer = awaitSigner(Set.of(one.process.pid(), two.process.pid()));
            SharedStoreIT.Replica victim = signer == one.process.pid() ? one : two;
            SharedStoreIT.Replica survivor = victim == one ? two : one;
            victim.send("session 20");
            victim.await("DONE session");
            victim.process.destroyForcibly(); // kill -9: no shutdown head, the lock goes with its connection
            assertTrue(victim.process.waitFor(20, TimeUnit.SECONDS));
            assertEquals(survivor.process.pid(), awaitSigner(Set.of(survivor.process.pid())), "the survivor signs now");
            long headsBefore = count("SELECT count(*) FROM audit_failover.audit_head");
            survivor.send("violate"); // a denial: no head of its own, covered by the survivor's periodic heads
            survivor.await("DONE violate");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (count("SELECT count(*) FROM audit_failover.audit_head WHERE convert_from(payload, 'UTF8')::json->>'reason'"
                    + " IN ('interval', 'every') AND idx >= " + headsBefore) == 0) {
                assertTrue(System.nanoTime() < deadline, "the survivor signs a periodic head within 20 s");
                Thread.sleep(100);
            }
            survivor.send("quit");
            survivor.await("BYE");
            assertTrue(survivor.process.waitFor(30, TimeUnit.SECONDS));
        }
        Set<String> periodicKeys = new HashSet<>();
        try (Connection c = postgres.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT DISTINCT convert_from(payload, 'UTF8')::json->>'keyId' FROM audit_failover.audit_head"
                        + " WHERE convert_from(payload, 'UTF8')::json->>'reason' IN ('interval', 'every')")) {
            while (rs.next()) {
                periodicKeys.add(rs.getString(1));
            }
        }
        assertEquals(2, periodicKeys.size(), "periodic heads by the first signer, then by the survivor: " + periodicKeys);
        ChildJvm.Result ok = verify(cliDir("failover", policy));
        assertEquals(0, ok.exitCode(), ok::toString);
    }

    @Test
    void aDatabaseStoppedAndStartedWhileTheJvmsRunLosesNoAcknowledgedRecord() throws Exception {
        String policy = policy("audit_outage", "");
        try (SharedStoreIT.Replica one = new SharedStoreIT.Replica("audit-outage-1", policy);
             SharedStoreIT.Replica strict = new SharedStoreIT.Replica("audit-outage-fsync", policy("audit_outage",
                     "  durability: fsync\n"))) {
            assertEquals("READY 1", one.awaitReady());
            assertEquals("READY 1", strict.awaitReady());
            one.send("session 5");
            one.await("DONE session");
            postgres.stop();
            try {
                // A denial's record is acknowledged at once (batch durability): it must survive the outage.
                one.send("violate");
                assertEquals("DONE violate: RingViolationException", one.await("DONE violate"));
                // Under fsync a call that must be audited waits for the commit: it cannot be, so the call is refused.
                strict.send("session 1");
                String refused = strict.await("DONE session", 60);
                assertTrue(refused.startsWith("DONE session: AuditUnavailableException: 'session.opened' cannot be"
                        + " audited: the shared audit log in PostgreSQL "), refused);
                Thread.sleep(500);
            } finally {
                postgres.start();
            }
            // Once the database is back the fsync JVM writes again (its loss stated first) and accepts calls.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String again;
            do {
                strict.send("session 1");
                again = strict.await("DONE session", 30);
                assertTrue(System.nanoTime() < until, "the fsync JVM accepts audited calls again within 30 s: " + again);
            } while (!again.equals("DONE session 1"));
            strict.send("quit");
            strict.await("BYE");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count("SELECT count(*) FROM audit_outage.audit_record WHERE convert_from(payload, 'UTF8')::json->>'type'"
                    + " = 'ring.denied'") == 0) {
                assertTrue(System.nanoTime() < deadline, "the denial recorded during the outage is written once the"
                        + " database is back");
                Thread.sleep(200);
            }
            one.send("session 5"); // and the JVM goes on writing
            assertEquals("DONE session 5", one.await("DONE session", 30));
            one.send("quit");
            one.await("BYE");
            assertTrue(one.process.waitFor(30, TimeUnit.SECONDS));
            String err = one.stderr.get(20, TimeUnit.SECONDS);
            assertTrue(err.contains("AUDIT LOG WRITE FAILED"), err);
            assertTrue(err.contains("writes again"), err);
        }
        ChildJvm.Result ok = verify(cliDir("outage", policy));
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(count("SELECT count(*) FROM audit_outage.audit_record WHERE convert_from(payload, 'UTF8')::json->>'type'"
                + " = 'audit.records-lost'") >= 1, "the refused call's record is stated as lost");
    }

    @Test
    void aFileDataDirectoryImportedIntoTheStoreVerifiesWithTheSameRoots() throws Exception {
        // A JVM on files writes an audit log and a trust ledger (a slash).
        Path dir = ChildJvm.freshWorkDir("shared-audit-import");
        ChildJvm.write(dir, "files.yaml", SharedStoreIT.policy(postgres.url(), "unused", "").replaceAll(
                "(?s)store:.*", "") + "audit:\n  treeHeadEvery: 10\n");
        ChildJvm jvm = ChildJvm.withAgent("policy=files.yaml").in(dir).timeout(60);
        Process p = jvm.start("com.acme.replica.ReplicaApp");
        try (var in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            in.write("session 25\nviolate\nquit\n");
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        ChildJvm.Result files = Cli.run(dir, "audit", "verify", "--data-dir", ".agent-hypervisor", "--strict");
        assertEquals(0, files.exitCode(), files::toString);
        String lastRoot = files.stdout().lines().filter(l -> l.contains("last signed size:")).findFirst().orElseThrow();

        String policy = policy("audit_import", "");
        ChildJvm.write(dir, "policy.yaml", policy);
        ChildJvm.Result imported = Cli.run(dir, "store", "import", "--from", ".agent-hypervisor", "--store", "policy.yaml");
        assertEquals(0, imported.exitCode(), imported::toString);
        assertTrue(imported.stdout().contains("trust ledger record(s) imported"), imported::toString);
        ChildJvm.Result shared = verify(dir);
        assertEquals(0, shared.exitCode(), shared::toString);
        String sharedRoot = shared.stdout().lines().filter(l -> l.contains("last signed size:")).findFirst().orElseThrow();
        assertEquals(lastRoot.replaceAll(", signed .*", ""), sharedRoot.replaceAll(", signed .*", ""),
                "the same size and root");
        assertTrue(count("SELECT count(*) FROM audit_import.log_record WHERE log = 'trust'") >= 1, "the slash");
        ChildJvm.Result again = Cli.run(dir, "store", "import", "--from", ".agent-hypervisor", "--store", "policy.yaml");
        assertEquals(1, again.exitCode(), again::toString);
        assertTrue(again.stderr().contains("already holds"), again::toString);
    }
}
