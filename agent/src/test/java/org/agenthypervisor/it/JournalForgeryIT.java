package org.agenthypervisor.it;

import org.agenthypervisor.core.saga.SagaHistory;
import org.agenthypervisor.core.saga.SagaJournal;
import org.agenthypervisor.core.store.RecordLog;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Someone who can write the data directory (not read the key) forges saga journal records, with the
 * record log's CRCs recomputed, naming a kernel-ring compensation ({@code Ledger.drop}). Under the
 * real agent jar, the next start must not run it, must report it, and must still run {@code main}.
 */
class JournalForgeryIT {

    /** A journal record as JSON: a done step of Ledger#open whose compensation is drop("accounts"). */
    private static List<String> forgedSaga(String saga) {
        String step = saga + ".1";
        return List.of(
                "{\"agent\":\"host\",\"method\":\"com.acme.saga.Trips#forged()\",\"name\":\"forged\",\"saga\":\"" + saga
                        + "\",\"time\":1,\"type\":\"begin\"}",
                "{\"agent\":\"host\",\"args\":[\"accounts\"],\"compensateInDoubt\":true,\"compensation\":\"drop\","
                        + "\"declaringClass\":\"com.acme.saga.Ledger\",\"descriptor\":\"(Ljava/lang/String;)V\","
                        + "\"instanceClass\":\"com.acme.saga.Ledger\",\"method\":\"com.acme.saga.Ledger#open(String)\","
                        + "\"passesResult\":false,\"recoverable\":true,\"ring\":0,\"saga\":\"" + saga + "\",\"step\":\""
                        + step + "\",\"time\":2,\"type\":\"step.started\"}",
                "{\"result\":null,\"resultComplete\":true,\"saga\":\"" + saga + "\",\"step\":\"" + step
                        + "\",\"time\":3,\"type\":\"step.done\"}");
    }

    /** Appends records through the record log, which frames them and computes their CRCs exactly as the agent does. */
    private static void append(Path dataDir, List<byte[]> records) throws IOException {
        try (RecordLog log = RecordLog.open(SagaJournal.directory(dataDir), SagaJournal.NAME, RecordLog.Options.defaults())) {
            for (byte[] r : records) {
                log.append(r);
            }
            log.sync();
        }
    }

    /** Format 2 as the forger imagines it: the marker byte and a 32-byte tag they had to guess. */
    private static byte[] withGuessedTag(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] record = new byte[33 + body.length];
        record[0] = 2;
        for (int i = 1; i < 33; i++) {
            record[i] = (byte) (i * 37);
        }
        System.arraycopy(body, 0, record, 33, body.length);
        return record;
    }

    @Test
    void forgedJournalRecordsNamingAKernelCompensationAreNotRunAndAreReported() throws IOException {
        Path dir = ChildJvm.freshWorkDir("saga-forged");
        Result crashed = SagaIT.runIn(dir, SagaIT.POLICY, "crash");
        assertEquals(3, crashed.exitCode(), crashed::toString);
        Path dataDir = crashed.dataDir();

        // s90: format 2 records with a guessed MAC; s91: bare JSON records, as a journal of an older version.
        List<byte[]> forged = new java.util.ArrayList<>();
        forgedSaga("s90").forEach(json -> forged.add(withGuessedTag(json)));
        forgedSaga("s91").forEach(json -> forged.add(json.getBytes(StandardCharsets.UTF_8)));
        append(dataDir, forged);
        byte[] journalBefore = SagaIT.journalBytes(dataDir);

        Result restarted = SagaIT.runIn(dir, SagaIT.POLICY, "noop");
        assertEquals(0, restarted.exitCode(), "the JVM still starts:\n" + restarted);
        assertTrue(restarted.stdout().contains("RESULT main done"), restarted::toString);
        assertFalse(Files.exists(dir.resolve("DROPPED-accounts")), "the forged kernel compensation ran:\n" + restarted);
        assertEquals(List.of(), SagaIT.events(restarted), "nothing is compensated from a journal that fails authentication");
        assertTrue(restarted.output().contains("SAGA JOURNAL AUTHENTICATION FAILED"), restarted::toString);
        assertTrue(restarted.output().contains("saga seal --accept"), "tells the operator what to do:\n" + restarted);

        List<Map<String, Object>> audited = AuditRecords.ofType(dataDir, "saga.journal.unauthenticated");
        assertEquals(1, audited.size(), restarted::toString);
        assertEquals(Boolean.TRUE, audited.get(0).get("tampered"));
        assertEquals(List.of("s90", "s91"), audited.get(0).get("quarantined"));
        assertEquals(List.of("s1", "s90", "s91"), audited.get(0).get("held"));
        assertEquals(6L, audited.get(0).get("count"));
        assertTrue(java.util.Arrays.equals(journalBefore, java.util.Arrays.copyOf(SagaIT.journalBytes(dataDir),
                journalBefore.length)), "the journal is never rewritten");
        SagaHistory history = SagaIT.journal(dataDir);
        assertEquals(6, history.unauthenticated().size());

        // The operator's view.
        Result list = Cli.run(dir, "saga", "list", "--data-dir", dataDir.toString());
        assertEquals(1, list.exitCode(), list::toString);
        assertTrue(list.stdout().contains("FAIL AUTHENTICATION"), list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith("s90") && l.contains("UNAUTHENTICATED")), list::toString);
        assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith("s1 ") && l.contains("HELD")), list::toString);
        Result show = Cli.run(dir, "saga", "show", "s91", "--data-dir", dataDir.toString());
        assertTrue(show.stdout().contains("unauthenticated=format_1"), show::toString);

        // Offline recovery refuses the held sagas too.
        Result recover = Cli.run(dir, "saga", "recover", "--data-dir", dataDir.toString(), "--classpath",
                ChildJvm.testClasses());
        assertEquals(1, recover.exitCode(), recover::toString);
        assertTrue(recover.stdout().contains("s90  held"), recover::toString);
        assertFalse(Files.exists(dir.resolve("DROPPED-accounts")), "offline recovery ran the forged compensation:\n" + recover);

        Result seal = Cli.run(dir, "saga", "seal", "--data-dir", dataDir.toString());
        assertEquals(1, seal.exitCode(), "without --accept nothing is sealed:\n" + seal);
        assertTrue(seal.stdout().contains("nothing changed"), seal::toString);
    }

    @Test
    void aJournalOfAnOlderVersionIsHeldUntilTheOperatorSealsItThenRecovered() throws IOException {
        Path dir = ChildJvm.freshWorkDir("saga-format1");
        Result crashed = SagaIT.runIn(dir, SagaIT.POLICY, "crash");
        assertEquals(3, crashed.exitCode(), crashed::toString);
        Path dataDir = crashed.dataDir();
        // What a version without journal authentication wrote: the same records, bare JSON.
        List<byte[]> legacy = new java.util.ArrayList<>();
        try (RecordLog log = SagaJournal.openReadOnly(dataDir)) {
            log.forEach(0, r -> legacy.add(java.util.Arrays.copyOfRange(r.payload(), 33, r.payload().length)));
        }
        try (var files = Files.list(SagaJournal.directory(dataDir))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        append(dataDir, legacy);

        Result upgraded = SagaIT.runIn(dir, SagaIT.POLICY, "noop");
        assertEquals(0, upgraded.exitCode(), upgraded::toString);
        assertEquals(List.of(), SagaIT.events(upgraded), "not recovered before the operator accepts the journal");
        assertTrue(upgraded.output().contains("of format 1, written before journal records were authenticated"), upgraded::toString);
        assertEquals(Boolean.FALSE, AuditRecords.ofType(dataDir, "saga.journal.unauthenticated").get(0).get("tampered"));

        Result sealed = Cli.run(dir, "saga", "seal", "--accept", "--data-dir", dataDir.toString());
        assertEquals(0, sealed.exitCode(), sealed::toString);
        assertTrue(sealed.stdout().contains("sealed " + legacy.size() + " record(s)"), sealed::toString);
        Result list = Cli.run(dir, "saga", "list", "--data-dir", dataDir.toString());
        assertEquals(0, list.exitCode(), list::toString);

        Result recovered = SagaIT.runIn(dir, SagaIT.POLICY, "noop");
        assertEquals(0, recovered.exitCode(), recovered::toString);
        assertEquals(List.of("cancelRoom Plaza Stay[guest=Eve, nights=5] step=s1.2",
                "cancelSeat UA9 3 PNR-UA9 step=s1.1 agent=airline"), SagaIT.events(recovered));
        assertEquals(SagaHistory.State.COMPENSATED, SagaIT.journal(dataDir).saga("s1").state());
    }
}
