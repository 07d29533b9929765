package org.agenthypervisor.core.audit;

import org.agenthypervisor.core.crypto.KeyDirectory;
import org.agenthypervisor.core.crypto.PublicKey;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.merkle.MerkleFrontier;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.store.LogCursor;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: checkpoints let the audit log open by hashing only the records after the last one, and
 * let retention archive older segments while {@code audit verify} still proves the live part (and,
 * with the archive, the whole log).
 */
class AuditRetentionTest {
    static final Policy.AuditSettings DEFAULTS = new Policy.AuditSettings(Policy.Durability.BATCH, 10, 1000, 3_600_000);

    @TempDir
    Path data;

    Path auditDir() {
        return data.resolve("audit");
    }

    Path archive() {
        return data.resolve("audit").resolve("archive");
    }

    PublicKey key() {
        return KeyDirectory.openReadOnly(data.resolve("keys")).publicKey(AuditLog.KEY_ID).orElseThrow();
    }

    SigningKey signingKey() {
        return KeyDirectory.open(data.resolve("keys")).getOrCreate(AuditLog.KEY_ID);
    }

    static void write(AuditLog log, int from, int n) {
        for (int i = from; i < from + n; i++) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("n", i);
            f.put("text", "record number " + i);
            log.record("test.event", f);
        }
        log.flush();
    }

    /** Appends records the way the writer does but with no head after them: what a crash leaves. */
    void appendUnsigned(int n) throws IOException {
        try (RecordLog raw = RecordLog.open(auditDir(), AuditLog.RECORDS, RecordLog.Options.defaults())) {
            for (int i = 0; i < n; i++) {
                long seq = raw.size();
                raw.append(CanonicalJson.object().put("seq", seq).put("time", Instant.now().toString())
                        .put("type", "test.unsigned").toBytes());
            }
            raw.sync();
        }
    }

    List<Map<String, Object>> records() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (RecordLog log = RecordLog.open(auditDir(), AuditLog.RECORDS, RecordLog.Options.defaults().withReadOnly(true));
             LogCursor c = log.read(log.firstIndex())) {
            while (c.hasNext()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) CanonicalJson.parse(c.next().payload());
                out.add(m);
            }
        }
        return out;
    }

    /** A pass with a 1 ms retention, after the records so far are older than that. */
    AuditLog.Retention retain(AuditLog log) throws IOException, InterruptedException {
        Thread.sleep(5);
        return log.applyRetention(1, archive());
    }

    @Test
    void openingHashesOnlyTheRecordsAfterTheLastCheckpoint() throws IOException {
        int n = 200_000;
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            write(log, 0, n);
            assertEquals(0, log.recordsHashedAtOpen());
        }
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            assertEquals(0, log.recordsHashedAtOpen(), "the shutdown head is a checkpoint at the last record");
            assertEquals(n, log.openedFrom().size());
            assertTrue(log.openedFrom().isCheckpoint());
        }
        appendUnsigned(37); // a crash after 37 more records: no head covers them
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            assertEquals(37, log.recordsHashedAtOpen());
            write(log, n, 5);
        }
        AuditVerifier.Report r = AuditVerifier.verify(auditDir(), key());
        assertTrue(r.ok(), () -> String.valueOf(r.failure()));
        assertEquals(n + 37 + 5, r.records());
    }

    @Test
    void aCheckpointWhoseFrontierDoesNotFoldToItsRootIsRecordedAndNotUsed() throws IOException {
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            write(log, 0, 3_000);
        }
        appendUnsigned(10);
        // A head signed with the real key (its holder went wrong, or the file was edited and re-signed)
        // whose frontier is not the tree's: opening must not extend the tree from it.
        MerkleFrontier other = new MerkleFrontier();
        for (int i = 0; i < 3_010; i++) {
            other.appendRecord(("other " + i).getBytes(StandardCharsets.UTF_8));
        }
        byte[] realRoot;
        try (RecordLog records = RecordLog.open(auditDir(), AuditLog.RECORDS, RecordLog.Options.defaults().withReadOnly(true))) {
            MerkleFrontier real = new MerkleFrontier();
            records.forEach(0, r -> real.appendRecord(r.payload()));
            realRoot = real.root();
        }
        try (RecordLog heads = RecordLog.open(auditDir(), AuditLog.HEADS, RecordLog.Options.defaults())) {
            heads.append(TreeHead.sign(3_010, realRoot, Instant.now(), "every", null, other.pieces(), signingKey()).toJson());
            heads.sync();
        }
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            assertEquals(3_000, log.openedFrom().size(), "the older, valid checkpoint");
            assertEquals(10, log.recordsHashedAtOpen());
        }
        assertTrue(records().stream().anyMatch(m -> "audit.head-mismatch".equals(m.get("type"))
                && String.valueOf(m.get("problem")).contains("frontier does not fold")), "recorded");
        AuditVerifier.Report r = AuditVerifier.verify(auditDir(), key());
        assertFalse(r.ok());
        assertTrue(r.failure().message().contains("frontier does not fold"), r.failure().message());
    }

    /** Three passes: plant a cut, archive below it, archive again. Returns the live log's first record. */
    long archiveTwice() throws IOException, InterruptedException {
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            write(log, 0, 1_500);
            assertEquals(0, retain(log).firstIndex(), "no cut yet: the first pass only plants one");
            write(log, 1_500, 700);
            AuditLog.Retention r = retain(log);
            assertEquals(1_500, r.firstIndex(), "cut at the planted checkpoint");
            assertEquals(1_500, r.archived());
            write(log, 2_200, 300);
            r = retain(log);
            assertEquals(2_201, r.firstIndex(), "the second planted cut (after the first audit.archived record)");
            write(log, 2_500, 100);
            return r.firstIndex();
        }
    }

    @Test
    void archivedLogVerifiesLiveFromTheCheckpointAndWholeWithTheArchive() throws Exception {
        long cut = archiveTwice();
        try (RecordLog live = RecordLog.open(auditDir(), AuditLog.RECORDS, RecordLog.Options.defaults().withReadOnly(true))) {
            assertEquals(cut, live.firstIndex());
        }
        AuditVerifier.Report live = AuditVerifier.verify(auditDir(), key());
        assertTrue(live.ok(), () -> live.failure() + " heads " + heads());
        assertEquals(cut, live.cut());
        assertFalse(live.archiveRead());
        assertEquals(live.records() - cut, live.recordsChecked());
        assertTrue(live.headsBelowCut() > 0);
        assertEquals(0, live.uncovered());

        AuditVerifier.Report whole = AuditVerifier.verify(auditDir(), key(), archive());
        assertTrue(whole.ok(), () -> String.valueOf(whole.failure()));
        assertTrue(whole.archiveRead());
        assertEquals(whole.records(), whole.recordsChecked());
        assertEquals(live.records(), whole.records());

        // Reopening starts from a checkpoint at or after the cut.
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            assertEquals(0, log.recordsHashedAtOpen());
            write(log, 2_600, 3);
        }
        assertTrue(AuditVerifier.verify(auditDir(), key()).ok());
    }

    @Test
    void proofsOfLiveRecordsWorkFromTheCheckpointAndArchivedOnesNeedTheArchive() throws Exception {
        long cut = archiveTwice();
        PublicKey key = key();
        List<String> notes = new ArrayList<>();
        Map<String, Object> live = AuditProofs.inclusion(auditDir(), cut + 3, null, key);
        assertTrue(AuditProofs.verify(CanonicalJson.write(live), key, notes).startsWith("inclusion proof OK"));
        Map<String, Object> across = AuditProofs.consistency(auditDir(), cut, null, key);
        assertTrue(AuditProofs.verify(CanonicalJson.write(across), key, notes).startsWith("consistency proof OK"));
        AuditProofs.ProofException needsArchive = assertThrows(AuditProofs.ProofException.class,
                () -> AuditProofs.inclusion(auditDir(), 10, null, key));
        assertTrue(needsArchive.usage());
        assertTrue(needsArchive.getMessage().contains("--archive"), needsArchive.getMessage());
        assertThrows(AuditProofs.ProofException.class, () -> AuditProofs.consistency(auditDir(), 100, null, key));
        Map<String, Object> old = AuditProofs.inclusion(auditDir(), 10, null, key, archive());
        assertTrue(AuditProofs.verify(CanonicalJson.write(old), key, notes).startsWith("inclusion proof OK"));
        Map<String, Object> fromOld = AuditProofs.consistency(auditDir(), 100, null, key, archive());
        assertTrue(AuditProofs.verify(CanonicalJson.write(fromOld), key, notes).startsWith("consistency proof OK"));
    }

    @Test
    void aTamperedArchivedRecordIsCaughtWithTheArchiveOnly() throws Exception {
        long cut = archiveTwice();
        Path seg = archivedSegments().get(0);
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        payloads.set(42, new String(payloads.get(42), StandardCharsets.UTF_8).replace("record number 42", "record number 4X")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, payloads)); // CRCs recomputed
        AuditVerifier.Report live = AuditVerifier.verify(auditDir(), key());
        assertTrue(live.ok(), "the archived records are not read without --archive");
        assertEquals(cut, live.cut());
        AuditVerifier.Report whole = AuditVerifier.verify(auditDir(), key(), archive());
        assertFalse(whole.ok());
        assertTrue(whole.failure().message().contains("does not match the records"), whole.failure().message());
        assertTrue(whole.failure().record() <= 42, whole.failure().toString());
    }

    String heads() {
        try {
            return AuditVerifier.readHeads(auditDir()).stream().map(h -> h.size() + "/" + h.reason()).toList().toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    List<Path> archivedSegments() throws IOException {
        try (Stream<Path> s = Files.list(archive())) {
            return s.filter(p -> p.getFileName().toString().startsWith("audit-")).sorted().toList();
        }
    }

    @Test
    void aLiveRecordChangedAfterTheCutFailsAgainstTheHeadsAfterIt() throws Exception {
        long cut = archiveTwice();
        Path seg;
        try (Stream<Path> s = Files.list(auditDir())) {
            seg = s.filter(p -> p.getFileName().toString().matches("audit-\\d{20}\\.seg")).sorted().toList().get(0);
        }
        byte[] file = Files.readAllBytes(seg);
        List<byte[]> payloads = new ArrayList<>(Frames.payloads(file));
        payloads.set(2, new String(payloads.get(2), StandardCharsets.UTF_8).replace("\"type\":\"", "\"type\":\"x")
                .getBytes(StandardCharsets.UTF_8));
        Files.write(seg, Frames.rewrite(file, payloads));
        AuditVerifier.Report r = AuditVerifier.verify(auditDir(), key());
        assertFalse(r.ok());
        assertTrue(r.failure().message().contains("does not match the records"), r.failure().message());
        assertTrue(r.failure().record() >= cut, r.failure().toString());
    }

    @Test
    void segmentsDeletedWithTheStartRewrittenDoNotVerify() throws Exception {
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            write(log, 0, 1_000);
        }
        // A segment boundary with no checkpoint at it: one more record and a roll, outside the writer.
        try (RecordLog raw = RecordLog.open(auditDir(), AuditLog.RECORDS, RecordLog.Options.defaults())) {
            raw.append(CanonicalJson.object().put("seq", raw.size()).put("time", Instant.now().toString())
                    .put("type", "test.unsigned").toBytes());
            raw.roll();
        }
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            write(log, 1_001, 500);
        }
        assertTrue(AuditVerifier.verify(auditDir(), key()).ok());
        // The attacker: delete the first segment and write a start file with a correct CRC (the store's own code).
        try (RecordLog raw = RecordLog.open(auditDir(), AuditLog.RECORDS, RecordLog.Options.defaults())) {
            assertEquals(1_001, raw.archiveBefore(1_001, null));
        }
        AuditVerifier.Report r = AuditVerifier.verify(auditDir(), key());
        assertFalse(r.ok());
        assertTrue(r.failure().message().contains("no signed checkpoint has that size"), r.failure().message());
        // The hypervisor opens it (a later checkpoint extends the tree) but records the problem.
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            assertEquals(0, log.recordsHashedAtOpen());
        }
        assertTrue(records().stream().anyMatch(m -> "audit.records-missing".equals(m.get("type"))
                && Long.valueOf(1_001).equals(m.get("firstLive"))));
        assertFalse(AuditVerifier.verify(auditDir(), key()).ok());
        // With the tree head log gone too, nothing can extend the tree: it refuses to open.
        try (Stream<Path> s = Files.list(auditDir())) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("heads-")).toList()) {
                Files.delete(p);
            }
        }
        IOException refused = assertThrows(IOException.class, () -> AuditLog.open(data, DEFAULTS).close());
        assertTrue(refused.getMessage().contains("no validly signed tree head checkpoint"), refused.getMessage());
    }

    @Test
    void segmentsDeletedAtACheckpointThatRetentionDidNotCutDoNotVerify() throws Exception {
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            write(log, 0, 1_000);
            retain(log); // plants a checkpoint boundary at 1000, archives nothing
            write(log, 1_000, 200);
        }
        try (RecordLog raw = RecordLog.open(auditDir(), AuditLog.RECORDS, RecordLog.Options.defaults())) {
            assertEquals(1_000, raw.archiveBefore(1_000, null));
        }
        AuditVerifier.Report r = AuditVerifier.verify(auditDir(), key());
        assertFalse(r.ok());
        assertTrue(r.failure().message().contains("no audit.archived record"), r.failure().message());
    }

    @Test
    void aPassOnFreshRecordsNeitherCutsNorRollsASegment() throws Exception {
        try (AuditLog log = AuditLog.open(data, DEFAULTS)) {
            write(log, 0, 100);
            for (int i = 0; i < 3; i++) { // a maintenance thread runs a pass every minute or so
                AuditLog.Retention r = log.applyRetention(3_600_000, archive());
                assertEquals(0, r.firstIndex());
                assertEquals(0, r.archived());
            }
            assertEquals(1, log.recordLog().segmentStarts().length, "no segment per pass");
        }
        assertFalse(Files.exists(archive()));
    }

    @Test
    void retentionAtOpenUsesThePolicy() throws Exception {
        Policy.AuditSettings keep = DEFAULTS;
        Policy.AuditSettings retain = new Policy.AuditSettings(Policy.Durability.BATCH, 10, 1000, 3_600_000,
                Policy.OnWriteFailure.DENY, 1, archive().toString());
        try (AuditLog log = AuditLog.open(data, keep)) {
            write(log, 0, 300);
        }
        try (AuditLog log = AuditLog.open(data, retain)) { // plants a cut at 300 (after the records of this open)
            assertNull(null);
        }
        Thread.sleep(5);
        try (AuditLog log = AuditLog.open(data, retain)) {
            assertTrue(log.recordLog().firstIndex() > 0, "archived at open");
        }
        assertTrue(AuditVerifier.verify(auditDir(), key()).ok());
        AuditVerifier.Report whole = AuditVerifier.verify(auditDir(), key(), archive());
        assertTrue(whole.ok(), () -> String.valueOf(whole.failure()));
        assertNotNull(archivedSegments().get(0));
    }
}
