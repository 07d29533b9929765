package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.Ed25519;
import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.policy.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditLogTest {
    static final Policy.AuditSettings EVERY_5 = new Policy.AuditSettings(Policy.Durability.BATCH, 10, 5, 3_600_000);

    @TempDir
    Path data;

    Path auditDir() {
        return data.resolve("audit");
    }

    PublicKey key() {
        return KeyDirectory.openReadOnly(data.resolve("keys")).publicKey(AuditLog.KEY_ID).orElseThrow();
    }

    /** Writes {@code n} records one by one (so every batch is small and heads fall every 5 records). */
    void write(int n, Policy.AuditSettings settings) throws IOException {
        try (AuditLog log = AuditLog.open(data, settings)) {
            for (int i = 0; i < n; i++) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("n", i);
                f.put("text", "record number " + i);
                log.record("test.event", f);
                log.flush();
            }
        }
    }

    AuditVerifier.Report verify() throws IOException {
        return AuditVerifier.verify(auditDir(), key());
    }

    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
        assertEquals(before.keySet(), after.keySet(), "the set of files changed");
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k + " changed");
        }
    }

    /** Issue 12: a loss counted in the last run (the log could not write) is stated by the next open. */
    @Test
    void aLossCarriedFromTheLastRunIsRecordedAtTheNextOpenAndCleared() throws IOException {
        write(3, EVERY_5);
        try (LostRecords lost = LostRecords.open(auditDir())) {
            lost.write(new LostRecords.Loss(42, "2026-12-01T10:00:00Z", "2026-12-01T10:05:00Z", "No space left on device"));
        }
        try (AuditLog log = AuditLog.open(data, EVERY_5)) {
            log.flush();
            assertEquals(0, log.lostRecords());
        }
        List<Map<String, Object>> records = new ArrayList<>();
        try (var log = org.agenthypervisor.core.store.RecordLog.open(auditDir(), AuditLog.RECORDS,
                org.agenthypervisor.core.store.RecordLog.Options.defaults().withReadOnly(true))) {
            log.forEach(0, r -> records.add(castMap(CanonicalJson.parse(r.payload()))));
        }
        List<Map<String, Object>> lostRecords = records.stream().filter(r -> "audit.records-lost".equals(r.get("type"))).toList();
        assertEquals(1, lostRecords.size(), records::toString);
        Map<String, Object> r = lostRecords.get(0);
        assertEquals(42L, ((Number) r.get("lost")).longValue());
        assertEquals("2026-12-01T10:00:00Z", r.get("since"));
        assertEquals("2026-12-01T10:05:00Z", r.get("until"));
        assertEquals("No space left on device", r.get("cause"));
        assertEquals(3L, ((Number) r.get("seq")).longValue(), "the first record of the new run");
        try (LostRecords lost = LostRecords.open(auditDir())) {
            assertEquals(null, lost.read(), "the loss is stated once");
        }
        assertTrue(verify().ok(), verify()::toString);
    }

    /** Until the next open states it, a loss counted in the last run makes verification report it. */
    @Test
    void verificationReportsALossTheLogDoesNotStateYet() throws IOException {
        write(3, EVERY_5);
        assertEquals(null, verify().owed());
        try (LostRecords lost = LostRecords.open(auditDir())) {
            lost.write(new LostRecords.Loss(7, "2026-12-01T10:00:00Z", "2026-12-01T10:00:01Z", "File too large"));
        }
        AuditVerifier.Report r = verify();
        assertTrue(r.ok(), "the records themselves verify");
        assertEquals(7, r.owed().lost());
        assertEquals("File too large", r.owed().cause());
        assertEquals(0, r.lossRecords());
        try (AuditLog log = AuditLog.open(data, EVERY_5)) {
            log.flush();
        }
        AuditVerifier.Report after = verify();
        assertEquals(null, after.owed());
        assertEquals(1, after.lossRecords());
        assertEquals(7, after.lostRecorded());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void afterCloseARecordThatMustBeAuditedIsRefusedUnderDenyAndCountedEitherWay() throws IOException {
        AuditLog log = AuditLog.open(data, EVERY_5);
        log.record("test.event", Map.of("n", 1));
        log.close();
        try (org.agenthypervisor.core.log.QuietLog quiet = org.agenthypervisor.core.log.QuietLog.quiet()) {
            AuditUnavailableException refused = org.junit.jupiter.api.Assertions.assertThrows(AuditUnavailableException.class,
                    () -> log.record("ring.denied", Map.of("n", 2)));
            assertTrue(refused.getMessage().contains("is closed"), refused.getMessage());
            log.recordBestEffort("policy.loaded", Map.of("n", 3)); // best effort: counted, not refused
        }
        assertEquals(2, log.lostRecordsTotal());
        Policy.AuditSettings goOn = new Policy.AuditSettings(Policy.Durability.BATCH, 10, 5, 3_600_000,
                Policy.OnWriteFailure.CONTINUE);
        AuditLog other = AuditLog.open(data, goOn);
        other.close();
        try (org.agenthypervisor.core.log.QuietLog quiet = org.agenthypervisor.core.log.QuietLog.quiet()) {
            other.record("ring.denied", Map.of("n", 4)); // continue: the call goes on
        }
        assertEquals(1, other.lostRecordsTotal());
    }

    @Test
    void aLogVerifiesAndEveryRecordIsCoveredAfterClose() throws IOException {
        write(23, EVERY_5);
        AuditVerifier.Report r = verify();
        assertTrue(r.ok(), () -> String.valueOf(r.failure()));
        assertEquals(23, r.records());
        assertEquals(0, r.uncovered());
        assertEquals(23, r.lastHead().size());
        assertEquals("shutdown", r.lastHead().reason());
        assertTrue(r.heads() >= 5, "a head every 5 records and one at shutdown: " + r.heads());
        assertTrue(Files.exists(data.resolve("keys").resolve("hypervisor.key")), "the key is created on first use");
    }

    /** Deletes every signed tree head and rewrites record {@code victim} with its CRC recomputed. */
    void deleteHeadsAndRewrite(int victim) throws IOException {
        try (Stream<Path> s = Files.list(auditDir())) {
            for (Path p : (Iterable<Path>) s.filter(p -> p.getFileName().toString().startsWith("heads-"))::iterator) {
                Files.delete(p);
            }
        }
        Path seg = Frames.segment(auditDir(), "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        payloads.set(victim, new String(payloads.get(victim), StandardCharsets.UTF_8).replace("record number", "RECORD NUMBER")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, payloads));
    }

    @Test
    void aLogWithRecordsAndNoSignedTreeHeadIsRefusedUnlessExplicitlyAllowed() throws IOException {
        write(12, EVERY_5);
        assertNull(AuditVerifier.Coverage.defaults().refusal(verify()), "a cleanly closed log is fully covered");
        deleteHeadsAndRewrite(3);
        AuditVerifier.Report r = verify();
        assertTrue(r.ok(), "every record is still internally consistent: " + r.failure());
        assertEquals(0, r.heads());
        String refusal = AuditVerifier.Coverage.defaults().refusal(r);
        assertNotNull(refusal, "no signed tree head must not verify by default");
        assertTrue(refusal.contains("12 record(s) and no signed tree head"), refusal);
        assertNull(new AuditVerifier.Coverage(true, 1000).refusal(r), "--allow-unsigned accepts it");
        assertNotNull(new AuditVerifier.Coverage(true, 11).refusal(r), "but not more records than allowed");
    }

    @Test
    void moreUncoveredRecordsThanAllowedAreRefused() throws IOException {
        write(12, EVERY_5);
        List<TreeHead> heads = AuditVerifier.readHeads(auditDir());
        // Keep only the first head (size 5): the trailing heads "deleted", 7 records uncovered.
        Path seg = Frames.segment(auditDir(), "heads");
        byte[] file = Files.readAllBytes(seg);
        Files.write(seg, java.util.Arrays.copyOf(file, (int) (long) Frames.offsets(file).get(1)));
        assertEquals(5, heads.get(0).size());
        AuditVerifier.Report r = verify();
        assertTrue(r.ok(), () -> String.valueOf(r.failure()));
        assertEquals(7, r.uncovered());
        assertNull(AuditVerifier.Coverage.defaults().refusal(r), "within one interval of the default bound");
        String refusal = new AuditVerifier.Coverage(false, 6).refusal(r);
        assertNotNull(refusal);
        assertTrue(refusal.contains("7 record(s) after the last signed tree head (size 5"), refusal);
        assertNull(new AuditVerifier.Coverage(false, 7).refusal(r));
        assertNotNull(new AuditVerifier.Coverage(false, 0).refusal(r), "--strict");
    }

    @Test
    void reopeningRebuildsTheTreeAndContinues() throws IOException {
        write(7, EVERY_5);
        write(9, EVERY_5);
        AuditVerifier.Report r = verify();
        assertTrue(r.ok(), () -> String.valueOf(r.failure()));
        assertEquals(16, r.records());
        assertEquals(16, r.lastHead().size());
    }

    @Test
    void theHeadsRootIsTheRfc9162RootOfTheRecordBytes() throws IOException {
        write(6, EVERY_5);
        List<byte[]> records = Frames.payloads(Files.readAllBytes(Frames.segment(auditDir(), "audit")));
        MerkleFrontier f = new MerkleFrontier();
        records.forEach(f::appendRecord);
        List<TreeHead> heads = AuditVerifier.readHeads(auditDir());
        assertArrayEquals(f.root(), heads.get(heads.size() - 1).root());
        for (int i = 0; i < records.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> rec = (Map<String, Object>) CanonicalJson.parse(records.get(i));
            assertEquals((long) i, rec.get("seq"));
            assertTrue(CanonicalJson.isCanonical(records.get(i)));
        }
    }

    @Test
    void aHeadCanBeSignedOnDemandForASubject() throws IOException {
        try (AuditLog log = AuditLog.open(data, EVERY_5)) {
            log.record("test.event", Map.of("n", 1));
            TreeHead head = log.signTreeHead("session.closed", Map.of("session", "s-1", "root", "ab", "deltas", 0L));
            assertNotNull(head);
            assertEquals(1, head.size(), "the head covers what was queued before the request");
            assertEquals("s-1", head.sessionId());
            assertTrue(head.verify(key()));
        }
    }

    @Test
    void aRecordThatCannotBeWrittenIsReplacedAndTheLogGoesOn() throws IOException {
        try (AuditLog log = AuditLog.open(data, EVERY_5)) {
            log.record("test.event", Map.of("bad", java.util.Set.of("sets are not JSON")));
            log.record("test.event", Map.of("n", 2));
            log.flush();
        }
        AuditVerifier.Report r = verify();
        assertTrue(r.ok(), () -> String.valueOf(r.failure()));
        assertEquals(2, r.records());
        List<byte[]> records = Frames.payloads(Files.readAllBytes(Frames.segment(auditDir(), "audit")));
        assertTrue(new String(records.get(0), StandardCharsets.UTF_8).contains("\"type\":\"audit.unwritable\""));
        assertTrue(new String(records.get(1), StandardCharsets.UTF_8).contains("\"n\":2"));
    }

    @Test
    void manyRecordsWithoutWaitingAreAllWrittenAndCovered() throws IOException {
        Policy.AuditSettings settings = new Policy.AuditSettings(Policy.Durability.BATCH, 10, 1000, 3_600_000);
        try (AuditLog log = AuditLog.open(data, settings)) {
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                int id = t;
                threads[t] = new Thread(() -> {
                    for (int i = 0; i < 5_000; i++) {
                        log.record("test.event", Map.of("thread", id, "n", i));
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
        AuditVerifier.Report r = verify();
        assertTrue(r.ok(), () -> String.valueOf(r.failure()));
        assertEquals(20_000, r.records());
        assertEquals(0, r.uncovered());
        assertTrue(r.heads() >= 20, "a head every 1000 records: " + r.heads());
    }

    @Test
    void anIntervalHeadIsSignedWhenRecordsArrived() throws Exception {
        Policy.AuditSettings fast = new Policy.AuditSettings(Policy.Durability.NONE, 5, 1_000_000, 50);
        try (AuditLog log = AuditLog.open(data, fast)) {
            log.record("test.event", Map.of("n", 1));
            for (int i = 0; i < 100 && (log.lastTreeHead() == null); i++) {
                Thread.sleep(20);
            }
            assertNotNull(log.lastTreeHead());
            assertEquals("interval", log.lastTreeHead().reason());
        }
    }

    /** SPEC §6: editing any byte of any record, the last one included, is detected and names the record. */
    @Test
    void everySingleByteOfEveryRecordIsDetectedAndTheRecordNamed() throws IOException {
        write(12, EVERY_5);
        Path seg = Frames.segment(auditDir(), "audit");
        byte[] original = Files.readAllBytes(seg);
        List<Long> offsets = Frames.offsets(original);
        assertEquals(13, offsets.size());
        Map<String, byte[]> before = snapshot(data);
        for (int rec = 0; rec < 12; rec++) {
            for (long pos = offsets.get(rec); pos < offsets.get(rec + 1); pos++) {
                byte[] edited = original.clone();
                edited[(int) pos] ^= (byte) (1 + pos % 255);
                Files.write(seg, edited);
                AuditVerifier.Report r = verify();
                final int record = rec;
                final long at = pos;
                assertFalse(r.ok(), () -> "byte " + at + " of record " + record + " changed unnoticed");
                assertEquals(rec, r.failure().record(), () -> "byte " + at + ": " + r.failure());
                assertTrue(r.failure().message().contains("record " + rec), r.failure()::message);
            }
        }
        Files.write(seg, original);
        assertSameFiles(before, snapshot(data));
        assertTrue(verify().ok());
    }

    @Test
    void anEditWithItsCrcFixedIsCaughtByTheSignedRoot() throws IOException {
        write(12, EVERY_5);
        Path seg = Frames.segment(auditDir(), "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> records = new ArrayList<>(Frames.payloads(file));
        String text = new String(records.get(7), StandardCharsets.UTF_8).replace("record number 7", "record number 8");
        records.set(7, text.getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, records));
        AuditVerifier.Report r = verify();
        assertFalse(r.ok());
        assertTrue(r.failure().message().contains("does not match the records"), r.failure()::message);
        assertTrue(r.failure().message().contains("records 5..9") || r.failure().message().contains("record 7"),
                r.failure()::message);
    }

    @Test
    void swappedRecordsAreDetected() throws IOException {
        write(12, EVERY_5);
        Path seg = Frames.segment(auditDir(), "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> records = new ArrayList<>(Frames.payloads(file));
        Collections.swap(records, 3, 8);
        Files.write(seg, Frames.rewrite(file, records));
        AuditVerifier.Report r = verify();
        assertFalse(r.ok());
        assertEquals(3, r.failure().record());
        assertTrue(r.failure().message().contains("reordered"), r.failure()::message);
    }

    @Test
    void recordsCutFromUnderASignedHeadAreDetected() throws IOException {
        write(12, EVERY_5);
        Path seg = Frames.segment(auditDir(), "audit");
        byte[] file = Files.readAllBytes(seg);
        List<Long> offsets = Frames.offsets(file);
        Files.write(seg, java.util.Arrays.copyOf(file, (int) (long) offsets.get(9)));
        AuditVerifier.Report r = verify();
        assertFalse(r.ok());
        assertEquals(9, r.failure().record());
        assertTrue(r.failure().message().contains("records 9..11 are missing"), r.failure()::message);
    }

    @Test
    void aTornTailIsAFailureNotSomethingToCut() throws IOException {
        write(12, EVERY_5);
        Path seg = Frames.segment(auditDir(), "audit");
        byte[] file = Files.readAllBytes(seg);
        Files.write(seg, java.util.Arrays.copyOf(file, file.length - 3));
        Map<String, byte[]> before = snapshot(data);
        AuditVerifier.Report r = verify();
        assertFalse(r.ok());
        assertEquals(11, r.failure().record());
        assertSameFiles(before, snapshot(data));
    }

    @Test
    void aReSignedHeadFailsAgainstThePinnedKey() throws IOException {
        write(12, EVERY_5);
        PublicKey genuine = key();
        // The attacker edits record 2, recomputes the tree, and re-signs every head with a key of its own.
        Path seg = Frames.segment(auditDir(), "audit");
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> records = new ArrayList<>(Frames.payloads(file));
        records.set(2, new String(records.get(2), StandardCharsets.UTF_8).replace("number 2", "number X")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, records));
        SigningKey attacker = Ed25519.generate();
        Path headSeg = Frames.segment(auditDir(), "heads");
        byte[] headFile = Files.readAllBytes(headSeg);
        List<byte[]> forged = new ArrayList<>();
        for (byte[] h : Frames.payloads(headFile)) {
            TreeHead old = TreeHead.fromJson(h);
            MerkleFrontier f = new MerkleFrontier();
            records.subList(0, (int) old.size()).forEach(f::appendRecord);
            forged.add(TreeHead.sign(old.size(), f.root(), old.time(), old.reason(), old.subject(), attacker).toJson());
        }
        Files.write(headSeg, Frames.rewrite(headFile, forged));
        AuditVerifier.Report pinned = AuditVerifier.verify(auditDir(), genuine);
        assertFalse(pinned.ok());
        assertTrue(pinned.failure().message().contains("signed by another key"), pinned.failure()::message);
        // Without the genuine key nothing in the directory can tell (the key would have to be replaced too).
        assertTrue(AuditVerifier.verify(auditDir(), attacker.publicKey()).ok());
    }

    @Test
    void aHeadWhoseSignatureWasTamperedFails() throws IOException {
        write(6, EVERY_5);
        Path headSeg = Frames.segment(auditDir(), "heads");
        byte[] headFile = Files.readAllBytes(headSeg);
        List<byte[]> heads = new ArrayList<>(Frames.payloads(headFile));
        heads.set(0, new String(heads.get(0), StandardCharsets.UTF_8).replace("\"reason\":\"every\"", "\"reason\":\"later\"")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(headSeg, Frames.rewrite(headFile, heads));
        AuditVerifier.Report r = verify();
        assertFalse(r.ok());
        assertTrue(r.failure().message().contains("signature does not verify"), r.failure()::message);
    }

    @Test
    void proofsOfTheLogVerifyFromTheHeadAloneAndFailForAWrongLeaf() throws Exception {
        write(23, EVERY_5);
        PublicKey key = key();
        List<String> notes = new ArrayList<>();
        for (long i = 0; i < 23; i++) {
            Map<String, Object> proof = AuditProofs.inclusion(auditDir(), i, null, key);
            byte[] json = CanonicalJson.write(proof);
            assertTrue(AuditProofs.verify(json, key, notes).startsWith("inclusion proof OK"));
            Map<String, Object> wrong = new LinkedHashMap<>(proof);
            wrong.put("record", ((String) proof.get("record")).replace("record number", "record Number"));
            wrong.remove("leafHash");
            AuditProofs.ProofException e = org.junit.jupiter.api.Assertions.assertThrows(AuditProofs.ProofException.class,
                    () -> AuditProofs.verify(CanonicalJson.write(wrong), key, notes));
            assertFalse(e.usage());
        }
        for (long m = 1; m <= 23; m++) {
            Map<String, Object> proof = AuditProofs.consistency(auditDir(), m, null, key);
            assertTrue(AuditProofs.verify(CanonicalJson.write(proof), key, notes).startsWith("consistency proof OK"));
        }
        Map<String, Object> proof = AuditProofs.inclusion(auditDir(), 3, 10L, key);
        assertEquals(10L, ((Map<?, ?>) proof.get("treeHead")).get("size"));
        assertTrue(notes.isEmpty(), "the key was pinned");
    }
}
